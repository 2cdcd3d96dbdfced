global using CrossRec.Data;
global using CrossRec.IO;
global using CrossRec.Plots;
