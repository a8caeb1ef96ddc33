from campaign.spreadsheets import safe_cell


def test_safe_cell_makes_formulas_inert():
    assert [safe_cell(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "东街", 7]] == [
        "'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "东街", 7]
