module example.com/gomake

go 1.19
