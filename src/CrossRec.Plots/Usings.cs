global using CrossRec.Data;
