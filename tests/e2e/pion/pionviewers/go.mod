module pionviewers

go 1.19
