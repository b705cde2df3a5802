"""Where the stages run: in this process or a process pool (local), or as Ray tasks."""
