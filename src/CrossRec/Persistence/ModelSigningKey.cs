using System.Security.Cryptography;

namespace CrossRec.Persistence;

/// <summary>
/// An application's secret key for signing model files with HMAC-SHA256. The SHA-256 trailer every
/// model file has detects damage, but anyone can recompute it; a keyed signature tells a file your
/// application wrote from one crafted elsewhere. Save with the key to sign; load with the key to accept
/// only files signed with it (an unsigned file, or one signed with another key, is refused with a
/// <see cref="ModelFormatException"/> saying which). Loading without a key ignores a signature.
/// Keep the key out of source control (an environment variable or a secret store). Immutable.
/// </summary>
/// <example>
/// <code>
/// var key = ModelSigningKey.FromBase64(Environment.GetEnvironmentVariable("CROSSREC_MODEL_KEY")!);
/// model.Save("model.crossrec", key);
/// var loaded = Recommender.Load("model.crossrec", key);
/// </code>
/// </example>
public sealed class ModelSigningKey
{
    /// <summary>The fewest key bytes accepted (128 bits).</summary>
    public const int MinimumLength = 16;

    private readonly byte[] _key;

    /// <summary>Creates a key from its bytes (copied; at least <see cref="MinimumLength"/>).</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinimumLength"/> bytes.</exception>
    public ModelSigningKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumLength)
        {
            throw new ArgumentException($"A model signing key needs at least {MinimumLength} bytes (got {key.Length}); generate one with ModelSigningKey.Generate().", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>A key from its Base64 text.</summary>
    /// <exception cref="ArgumentException">The text is not Base64 or decodes to fewer than <see cref="MinimumLength"/> bytes.</exception>
    public static ModelSigningKey FromBase64(string base64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(base64);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The model signing key is not valid Base64.", nameof(base64), e);
        }

        return new ModelSigningKey(bytes);
    }

    /// <summary>A new random 256-bit key (store <see cref="ToBase64"/> somewhere safe).</summary>
    public static ModelSigningKey Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key as Base64 text.</summary>
    public string ToBase64() => Convert.ToBase64String(_key);

    /// <summary>The HMAC-SHA256 of <paramref name="data"/>.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_key, data);

    /// <summary>An incremental HMAC-SHA256 with this key.</summary>
    internal IncrementalHash CreateHmac() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);

    /// <inheritdoc />
    public override string ToString() => "ModelSigningKey(hidden)";
}
