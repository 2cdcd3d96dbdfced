namespace CrossRec.Data;

/// <summary>The closed range of valid rating values, for example 1..5 stars.</summary>
/// <param name="Min">The smallest valid rating.</param>
/// <param name="Max">The largest valid rating.</param>
public readonly record struct RatingScale(float Min, float Max)
{
    /// <summary>The 1..5 star scale of the MovieLens datasets.</summary>
    public static RatingScale FiveStars { get; } = new(1f, 5f);

    /// <summary>The 0.5..5 half-star scale of MovieLens 10M and "latest".</summary>
    public static RatingScale HalfStars { get; } = new(0.5f, 5f);

    /// <summary>True when <paramref name="value"/> lies in the scale (bounds included).</summary>
    public bool Contains(float value) => value >= Min && value <= Max;

    /// <summary>Clamps a prediction to the scale.</summary>
    public float Clip(float value) => Math.Clamp(value, Min, Max);

    /// <summary>Throws when the scale is empty or not finite.</summary>
    public void Validate(string paramName)
    {
        if (!float.IsFinite(Min) || !float.IsFinite(Max) || Min > Max)
        {
            throw new ArgumentOutOfRangeException(paramName, this, "A rating scale needs finite bounds with Min <= Max.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Min:R}, {Max:R}]";
}
