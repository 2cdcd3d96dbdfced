global using CrossRec.Data;
global using CrossRec;
