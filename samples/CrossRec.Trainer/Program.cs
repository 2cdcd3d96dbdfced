namespace CrossRec.Trainer;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("crossrec-trainer: under construction (issue 2).");
        return 2;
    }
}
