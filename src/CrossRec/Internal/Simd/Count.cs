namespace CrossRec.Internal.Simd;

/// <summary>
/// A small count as a type, so that a kernel generic over it is compiled with the count as a constant (its loops over
/// registers unrolled, the registers it does not use removed): rows in a register tile, vectors in a factor row.
/// </summary>
internal interface ICount
{
    static abstract int Value { get; }
}

internal readonly struct One : ICount
{
    public static int Value => 1;
}

internal readonly struct Two : ICount
{
    public static int Value => 2;
}

internal readonly struct Three : ICount
{
    public static int Value => 3;
}

internal readonly struct Four : ICount
{
    public static int Value => 4;
}

internal readonly struct Five : ICount
{
    public static int Value => 5;
}

internal readonly struct Six : ICount
{
    public static int Value => 6;
}

internal readonly struct Seven : ICount
{
    public static int Value => 7;
}

internal readonly struct Eight : ICount
{
    public static int Value => 8;
}
