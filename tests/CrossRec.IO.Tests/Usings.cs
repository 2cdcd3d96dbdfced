global using CrossRec.Data;
global using CrossRec.Data.Synthetic;
global using CrossRec.IO;
