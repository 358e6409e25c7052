module msocket

go 1.19
