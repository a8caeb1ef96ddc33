"""Campaign tasks (任务清单): targets handed down the command tree and their progress reports."""
