module example.com/goinst

go 1.19
