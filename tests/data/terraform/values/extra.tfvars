c = "cli-c"
