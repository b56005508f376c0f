"""Long work on the command line shows a bar on a terminal and plain lines elsewhere."""

import io

from grassroots.core.progress import ProgressLines


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_each_step_redraws_one_bar():
    screen = Terminal()
    steps = ProgressLines(screen, total=4)
    steps.write("Planned 22 organizations (0.0 s)\n")
    steps.write("Wrote 22 organizations (0.1 s)\n")
    steps.close()
    drawn = screen.getvalue()
    assert "\n" not in drawn[:-1] and drawn.endswith("\n")  # one line, redrawn in place
    assert "[##########----------] 2/4 Wrote 22 organizations (0.1 s)" in drawn
    assert drawn.count("\r") == 2


def test_in_a_log_the_lines_pass_unchanged():
    log = io.StringIO()
    steps = ProgressLines(log, total=4)
    steps.write("Planned 22 organizations (0.0 s)\n")
    steps.close()
    assert log.getvalue() == "Planned 22 organizations (0.0 s)\n"


def test_more_steps_than_expected_keep_the_bar_full():
    screen = Terminal()
    steps = ProgressLines(screen, total=1)
    for n in range(3):
        steps.write(f"step {n}\n")
    assert "[####################] 1/1 step 2" in screen.getvalue()
