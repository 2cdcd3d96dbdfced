// The library's own folders are namespaces (CrossRec.Data, CrossRec.Engines, …); inside the library every one of them
// is in scope, so a type can move between folders without touching its callers.
global using CrossRec.Data;
global using CrossRec.Data.Parsing;
global using CrossRec.Data.Synthetic;
global using CrossRec.Engines;
global using CrossRec.Engines.Cpu;
global using CrossRec.Internal;
global using CrossRec.Neighbors;
global using CrossRec.Persistence;
