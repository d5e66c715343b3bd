a = "tfvars-a"
b = "tfvars-b"
