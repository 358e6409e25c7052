module msocket-cni

go 1.19
