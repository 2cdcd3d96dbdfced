using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace CrossRec.IO;

/// <summary>Rows of factors with their ids (and optional biases), as one side of a factor model holds them.</summary>
internal sealed record FactorTable(string[] Ids, int Rank, float[] Factors, float[]? Bias)
{
    public int Count => Ids.Length;

    public ReadOnlySpan<float> Row(int r) => Factors.AsSpan(r * Rank, Rank);

    /// <summary>
    /// Writes the table to one Parquet file: <c>id</c> (int32 when <paramref name="intIds"/>, text otherwise, required),
    /// <c>features</c> (list of required float, as Spark writes <c>array&lt;float&gt;</c>) and, when present, <c>bias</c>.
    /// </summary>
    public async Task WriteAsync(string path, bool intIds, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var idInt = new DataField<int>("id", false);
        var idText = new DataField<string>("id", false);
        var element = new DataField<float>("element", false);
        var features = new ListField("features", element);
        var bias = new DataField<float>("bias", false);
        var fields = new List<Field> { intIds ? idInt : idText, features };
        if (Bias is not null)
        {
            fields.Add(bias);
        }

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, null, false, cancellationToken).ConfigureAwait(false);
        if (metadata is not null)
        {
            writer.CustomMetadata = metadata.ToDictionary(p => p.Key, p => p.Value);
        }

        const int GroupRows = 65_536;
        for (var start = 0; start < Count || (start == 0 && Count == 0); start += GroupRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(GroupRows, Count - start);
            using var group = writer.CreateRowGroup();
            if (intIds)
            {
                var ids = new int[n];
                for (var r = 0; r < n; r++)
                {
                    ids[r] = int.Parse(Ids[start + r], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                }

                await group.WriteAsync<int>(idInt, ids.AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await group.WriteAsync(idText, Ids.AsSpan(start, n).ToArray(), null).ConfigureAwait(false);
            }

            var values = Factors.AsMemory(start * Rank, n * Rank);
            var definitions = new int[n * Rank];
            Array.Fill(definitions, 2); // optional list (1) + repeated level (1); the element is required
            var repetitions = new int[n * Rank];
            for (var r = 0; r < n * Rank; r++)
            {
                repetitions[r] = r % Rank == 0 ? 0 : 1;
            }

            await group.WriteAllPartsAsync<float>(element, values, definitions.AsMemory(), repetitions.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (Bias is not null)
            {
                await group.WriteAsync<float>(bias, Bias.AsMemory(start, n), null, null, cancellationToken).ConfigureAwait(false);
            }

            if (Count == 0)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Reads a factor table from a Parquet file or a directory of part files: an integer or text <c>id</c> column and
    /// a <c>features</c> list of floats (Spark's <c>array&lt;float&gt;</c>), optionally a float <c>bias</c>. Nulls,
    /// rows of another length, non-finite values and repeated ids are refused, naming the file, row, column and id.
    /// </summary>
    public static async Task<FactorTable> ReadAsync(string path, int? rank, CancellationToken cancellationToken)
    {
        var files = PartFiles.Of(path);
        var ids = new List<string>();
        var seen = new Dictionary<string, (string File, long Row)>(StringComparer.Ordinal);
        var factors = new List<float>();
        List<float>? biases = null;
        var k = rank ?? -1;
        var buffer = new char[32];
        foreach (var file in files)
        {
            await using var input = ParquetFooter.Open(file);
            await using var reader = await ParquetReader.CreateAsync(input, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            var top = reader.Schema.Fields;
            var idField = top.OfType<DataField>().FirstOrDefault(f => f.Name == "id")
                ?? throw new DataFormatException(file, 0, 0, $"no flat 'id' column; the columns are: {string.Join(", ", top.Select(f => f.Name))}.");
            var list = top.OfType<ListField>().FirstOrDefault(f => f.Name == "features")
                ?? throw new DataFormatException(file, 0, 0, $"no 'features' list column (Spark's array<float>); the columns are: {string.Join(", ", top.Select(f => f.Name))}.");
            if (list.Item is not DataField element || (Nullable.GetUnderlyingType(element.ClrType) ?? element.ClrType) is var et && et != typeof(float) && et != typeof(double))
            {
                throw new DataFormatException(file, 0, 0, "the 'features' column must be a list of float (or double) values.");
            }

            var biasField = top.OfType<DataField>().FirstOrDefault(f => f.Name == "bias");
            if (biasField is not null && biases is null && ids.Count > 0)
            {
                throw new DataFormatException(file, 0, 0, "this part file has a 'bias' column but earlier parts have none.");
            }

            biases ??= biasField is not null ? new List<float>() : null;
            var idColumn = Array.IndexOf(top.ToArray(), idField) + 1;
            var featureColumn = Array.IndexOf(top.ToArray(), list) + 1;
            var maxDefinition = (list.IsNullable ? 1 : 0) + 1 + (element.IsNullable ? 1 : 0);
            var emptyDefinition = list.IsNullable ? 1 : 0;
            long fileRow = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var rows = checked((int)group.RowCount);
                var idValues = await ParquetColumn.ReadAsync(group, idField, cancellationToken).ConfigureAwait(false);
                var levels = checked((int)(group.GetMetadata(element)?.MetaData?.NumValues ?? 0));
                var values = new double[levels];
                var definitions = new int[levels];
                var repetitions = new int[levels];
                if (et == typeof(float))
                {
                    var f32 = new float[levels];
                    await group.ReadRawAsync<float>(element, f32.AsMemory(), definitions.AsMemory(), repetitions.AsMemory(), cancellationToken).ConfigureAwait(false);
                    for (var j = 0; j < levels; j++)
                    {
                        values[j] = f32[j];
                    }
                }
                else
                {
                    await group.ReadRawAsync<double>(element, values.AsMemory(), definitions.AsMemory(), repetitions.AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                var bias = biasField is not null ? await ParquetColumn.ReadAsync(group, biasField, cancellationToken).ConfigureAwait(false) : null;
                var level = 0;
                var dense = 0;
                for (var r = 0; r < rows; r++)
                {
                    var row = fileRow + r + 1;
                    if (idValues.IsNull(r))
                    {
                        throw new DataFormatException(file, row, idColumn, "the id is null; every factor row needs an id.");
                    }

                    var id = idValues.Text(r, buffer).ToString();
                    if (seen.TryGetValue(id, out var first))
                    {
                        throw new DataFormatException(file, row, idColumn, $"id {id} appears again (first in {first.File}, row {first.Row}).");
                    }

                    seen[id] = (file, row);

                    // Row r's levels run from `level` to the next repetition level 0.
                    var start = level;
                    var end = level + 1;
                    while (end < levels && repetitions[end] != 0)
                    {
                        end++;
                    }

                    level = end;
                    if (definitions[start] < emptyDefinition)
                    {
                        throw new DataFormatException(file, row, featureColumn, $"the features of id {id} are null.");
                    }

                    var length = definitions[start] == emptyDefinition ? 0 : end - start;
                    if (k < 0)
                    {
                        k = length;
                    }

                    if (length != k || k == 0)
                    {
                        throw new DataFormatException(file, row, featureColumn, $"the features of id {id} have {length} values; expected {(k == 0 ? "at least one" : k)} (the model's rank).");
                    }

                    for (var j = start; j < end; j++)
                    {
                        if (definitions[j] != maxDefinition)
                        {
                            throw new DataFormatException(file, row, featureColumn, $"feature {j - start} of id {id} is null.");
                        }

                        var x = (float)values[dense++];
                        if (!float.IsFinite(x))
                        {
                            throw new DataFormatException(file, row, featureColumn, $"feature {j - start} of id {id} is {x.ToString(CultureInfo.InvariantCulture)}; factors must be finite.");
                        }

                        factors.Add(x);
                    }

                    if (bias is not null)
                    {
                        if (bias.IsNull(r) || !bias.TryFloat(r, out var b) || !float.IsFinite(b))
                        {
                            throw new DataFormatException(file, row, Array.IndexOf(top.ToArray(), biasField) + 1, $"the bias of id {id} is null or not a finite number.");
                        }

                        biases!.Add(b);
                    }

                    ids.Add(id);
                }

                fileRow += rows;
            }
        }

        return new FactorTable(ids.ToArray(), Math.Max(k, rank ?? 0), factors.ToArray(), biases?.ToArray());
    }
}
