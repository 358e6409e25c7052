module msocket.invalid/msocket

go 1.19
