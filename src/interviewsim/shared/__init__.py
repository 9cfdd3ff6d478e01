"""State shared by every worker process: Redis when configured, else this process's memory."""
