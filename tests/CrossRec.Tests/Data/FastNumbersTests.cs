using System.Globalization;
using CrossRec.Data.Parsing;

namespace CrossRec.Tests.Data;

public class FastNumbersTests
{
    private static readonly string[] Edge =
    [
        "0", "-0", "4", "3.5", "4.0", "0.1", "0.3", "1.05", "2.675", "9999999", "16777217", "99999999", "0.00000001", "1234567.8",
        "-3.25", "5.", ".5", "-", "", " 4", "4 ", "1e3", "NaN", "Infinity", "-∞", "+4", "4,5", "1.2.3", "3..", "0x10", "١",
        "1700669416", "-1700669416", "999999999999999999", "9999999999999999999", "00012", "1e", "e", "--1",
    ];

    [Test]
    public void FloatsMatchTheFrameworkExactly()
    {
        var rng = new Random(3);
        var texts = Edge.Concat(Enumerable.Range(0, 200_000).Select(_ => RandomNumber(rng)));
        foreach (var text in texts)
        {
            var expectedOk = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected);
            var ok = FastNumbers.TryParseFloat(text, out var value);
            Assert.That(ok, Is.EqualTo(expectedOk), $"'{text}'");
            if (ok)
            {
                Assert.That(BitConverter.SingleToInt32Bits(value), Is.EqualTo(BitConverter.SingleToInt32Bits(expected)), $"'{text}': {value:R} vs {expected:R}");
            }
        }
    }

    [Test]
    public void IntegersMatchTheFrameworkExactly()
    {
        var rng = new Random(4);
        var texts = Edge.Concat(Enumerable.Range(0, 100_000).Select(_ =>
        {
            var full = rng.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture);
            return full[..Math.Min(full.Length, rng.Next(1, 21))];
        }));
        foreach (var text in texts)
        {
            var expectedOk = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var expected);
            Assert.That(FastNumbers.TryParseInt64(text, out var value), Is.EqualTo(expectedOk), $"'{text}'");
            if (expectedOk)
            {
                Assert.That(value, Is.EqualTo(expected), $"'{text}'");
            }
        }
    }

    private static string RandomNumber(Random rng)
    {
        var sign = rng.Next(8) == 0 ? "-" : "";
        var whole = rng.NextInt64(0, (long)Math.Pow(10, rng.Next(1, 10))).ToString(CultureInfo.InvariantCulture);
        return rng.Next(3) switch
        {
            0 => sign + whole,
            1 => sign + whole + "." + rng.NextInt64(0, (long)Math.Pow(10, rng.Next(1, 11))).ToString(CultureInfo.InvariantCulture).PadLeft(rng.Next(1, 11), '0'),
            _ => sign + "0." + new string('0', rng.Next(0, 6)) + rng.Next(1, 100000).ToString(CultureInfo.InvariantCulture),
        };
    }
}
