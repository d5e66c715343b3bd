name = "x"
count = 3
tags = { a = "b" }
