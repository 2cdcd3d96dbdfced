// CrossRec's folders are namespaces; this project uses types from these.
global using CrossRec.Algorithms;
global using CrossRec.Algorithms.Auto;
global using CrossRec.Algorithms.BiasedMf;
global using CrossRec.Algorithms.Blend;
global using CrossRec.Algorithms.Bpr;
global using CrossRec.Algorithms.Ease;
global using CrossRec.Algorithms.ImplicitAls;
global using CrossRec.Algorithms.ItemKnn;
global using CrossRec.Algorithms.Popularity;
global using CrossRec.Conversions;
global using CrossRec.Data;
global using CrossRec.Data.Synthetic;
global using CrossRec.Metrics;
global using CrossRec.Persistence;
global using CrossRec.Segments;
global using CrossRec.Transfer;
