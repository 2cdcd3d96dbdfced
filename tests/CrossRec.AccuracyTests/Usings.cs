// CrossRec's folders are namespaces; this project uses types from these.
global using CrossRec.Data;
global using CrossRec.Data.Synthetic;
global using CrossRec.Engines;
global using CrossRec.Neighbors;
global using CrossRec.Persistence;
global using CrossRec.Data.Parsing;
global using CrossRec.Engines.Cpu;
global using CrossRec.Internal;
