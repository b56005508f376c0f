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


def test_the_stages_of_an_import_or_an_assessment_draw_the_bar_or_plain_lines():
    from grassroots.core.progress import StageProgress

    screen = Terminal()
    stages = StageProgress(screen)
    stages("Reading the file", 0, 3)
    stages("Checking 3,000 rows", 1, 3)
    stages.close()
    drawn = screen.getvalue()
    assert "[######--------------] 1/3 Checking 3,000 rows" in drawn and drawn.endswith("\n")
    assert drawn.count("\r") == 2
    log = io.StringIO()
    plain = StageProgress(log)
    plain("Reading the file", 0, 3)
    plain("Counting meetings", 2, 17)
    plain.close()
    assert log.getvalue() == "Reading the file\nCounting meetings\n"


def test_the_import_command_tells_its_stages(county, tmp_path, capsys):
    import datetime as dt

    from grassroots.cli import main
    from tests.factories import make_id_number

    csv = tmp_path / "members.csv"
    number = make_id_number(dt.date(1975, 3, 9), "F", 411)
    csv.write_text(
        f"姓名,性别,出生日期,身份证号,所在党组织,入党日期\n王芳,女,1975.03,{number},青山村党支部,1999年7月\n"
    )
    assert main(["import", "members", str(csv), "--as", "t1officer"]) == 0
    out = capsys.readouterr().out
    assert "Reading the file\nChecking 1 row\nWriting 1 row\n" in out and "1 created" in out
