"""Progress of long work on the command line: a bar redrawn in place on a terminal, plain lines otherwise."""

import shutil


class ProgressLines:
    """A text stream for work that reports one line per step (`write("Wrote 1,234 members (2.1 s)\\n")`): on a
    terminal each line redraws one bar, "[#####-----] 5/16 Wrote 1,234 members (2.1 s)"; elsewhere (a log, a pipe)
    the lines pass unchanged. `total` is the number of steps expected; more steps keep the bar full."""

    def __init__(self, stream, total: int):
        self.stream = stream
        self.total = max(total, 1)
        self.done = 0
        self.drawn = False
        self.on_terminal = bool(getattr(stream, "isatty", lambda: False)())

    def write(self, text: str) -> int:
        if not self.on_terminal:
            return self.stream.write(text)
        for line in text.splitlines():
            if line.strip():
                self.done += 1
                self._draw(line.strip())
        return len(text)

    def _draw(self, line: str) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        filled = min(self.done, self.total) * 20 // self.total
        bar = f"[{'#' * filled}{'-' * (20 - filled)}] {min(self.done, self.total)}/{self.total} "
        self.stream.write("\r" + (bar + line)[: width - 1].ljust(width - 1))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line, so that what is printed next starts on its own."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    def flush(self) -> None:
        self.stream.flush()


class StageProgress:
    """A `progress(stage, step, steps)` callback (the shape an import and the assessment engine call, as
    core.jobs.Progress takes it) drawn on the command line: on a terminal the bar of ProgressLines,
    "[##########----------] 1/3 Checking 3,000 rows"; elsewhere one plain line per stage."""

    def __init__(self, stream):
        self.lines = ProgressLines(stream, total=1)

    def __call__(self, stage, done: int, total: int) -> None:
        lines = self.lines
        lines.total, lines.done = max(total, 1), max(done, 0)
        if lines.on_terminal:
            lines._draw(str(stage))
        else:
            lines.stream.write(f"{stage}\n")

    def close(self) -> None:
        self.lines.close()
