module msocket-gobench

go 1.19

require msocket.invalid/msocket v0.1.0

replace msocket.invalid/msocket => ../../go
