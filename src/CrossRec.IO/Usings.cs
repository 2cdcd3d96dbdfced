global using CrossRec.Data;
global using CrossRec.Persistence;
global using CrossRec.Data.Parsing;
