module msocket-gobench

go 1.19

require msocket v0.0.0

replace msocket => ../../go
