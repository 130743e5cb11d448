"""Field validation rules and formulas: checked when written, enforced when signed (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from services.documents.domain import field_rules, formula
from services.documents.domain.signing_validation import check_submission, computed_values


def issues(field_type: str, validation: Any) -> dict[str, str]:
    return {i.field: i.message for i in field_rules.problems(field_type, validation)}


def test_rules_must_fit_the_field_type_and_each_other():
    assert issues("text", "^[A-Z]") == {}
    assert issues("text", {"pattern": "^\\d+$", "minLength": 2, "maxLength": 9}) == {}
    assert issues("number", {"min": 0, "max": 10}) == {}
    assert issues("signature", "^x") == {
        "validation": "Not allowed for signature fields; pattern applies to text fields"
    }
    assert set(issues("number", {"pattern": "x", "maxLength": 3})) == {"validation.pattern", "validation.maxLength"}
    assert issues("text", {"min": 1}) == {"validation.min": "Not allowed for text fields; min applies to number fields"}
    assert issues("text", {"minLength": 5, "maxLength": 2}) == {
        "validation.minLength": "Must not be greater than maxLength"
    }
    assert issues("number", {"min": 5, "max": 2}) == {"validation.min": "Must not be greater than max"}


def test_a_pattern_that_does_not_compile_is_named():
    assert issues("text", "([a-z")["validation"].startswith("Not a valid regular expression")
    assert "validation.pattern" in issues("text", {"pattern": "(?P<x"})


def test_values_break_rules_with_words_or_the_senders_message():
    field_rules.check({"pattern": "^[A-Z]{2}\\d{4}$"}, "AB1234")
    with pytest.raises(field_rules.RuleBroken, match="Does not match the expected format"):
        field_rules.check("^[A-Z]{2}\\d{4}$", "ab1234")
    with pytest.raises(field_rules.RuleBroken, match="Must be at least 3 characters"):
        field_rules.check({"minLength": 3}, "ab")
    with pytest.raises(field_rules.RuleBroken, match="Must be at most 10"):
        field_rules.check({"max": 10}, 10.5)
    with pytest.raises(field_rules.RuleBroken, match="^Use your staff number$"):
        field_rules.check({"pattern": "^S\\d+$", "message": "Use your staff number"}, "X1")


def test_catastrophic_backtracking_is_cut_off_not_hung():
    with pytest.raises(field_rules.RuleBroken, match="Could not be checked"):
        field_rules.check("^(a+)+$", "a" * 5000 + "!")


def test_formulas_allow_arithmetic_on_fields_and_a_few_functions():
    values = {"fld_a": 3, "fld_b": 2.5}
    assert formula.evaluate("fld_a * fld_b + 1", values) == 8.5
    assert formula.evaluate("round(fld_a / 7, 2)", values) == 0.43
    assert formula.evaluate("max(fld_a, fld_b, 10) - abs(-2) + min(1, 2)", values) == 9
    assert formula.evaluate("-(fld_a)", values) == -3
    assert formula.references("fld_a * (fld_b + fld_a)") == {"fld_a", "fld_b"}


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "fld_a.__class__",
        "fld_a ** 2",
        "9**9**9",
        "fld_a if fld_b else 1",
        "[fld_a]",
        "'text'",
        "True + 1",
        "round(fld_a, ndigits=2)",
        "open('x')",
        "lambda: 1",
        "fld_a < 2",
        "x + 1",
        "abs(1, 2)",
        "1 +",
    ],
)
def test_anything_else_is_refused_at_parse(expression: str):
    with pytest.raises(formula.FormulaError):
        formula.parse(expression)


def test_missing_inputs_division_by_zero_and_huge_results_are_errors():
    with pytest.raises(formula.FormulaError, match="fld_b has no number value"):
        formula.evaluate("fld_a + fld_b", {"fld_a": 1})
    with pytest.raises(formula.FormulaError, match="Division by zero"):
        formula.evaluate("fld_a / (fld_a - 1)", {"fld_a": 1})
    with pytest.raises(formula.FormulaError, match="out of range"):
        formula.evaluate("fld_a * fld_a * fld_a", {"fld_a": 1e14})


def field(id: str, type: str, **more: Any) -> dict[str, Any]:
    base = {"id": id, "type": type, "required": True, "read_only": False, "options": None}
    return base | {"validation": None, "formula": None} | more


def test_a_submission_gets_one_error_per_broken_rule_and_computed_formulas():
    own = [
        field("fld_code", "text", validation="^[A-Z]{3}$"),
        field("fld_qty", "number", validation={"min": 1, "max": 100}),
        field("fld_price", "number"),
        field("fld_total", "formula", formula="fld_qty * fld_price"),
    ]
    values, errors = check_submission(
        True,
        [{"id": "fld_code", "value": "abc"}, {"id": "fld_qty", "value": 0}, {"id": "fld_price", "value": 2}],
        own,
        (),
    )
    assert {e.field: e.message for e in errors} == {
        "fields.fld_code": "Does not match the expected format",
        "fields.fld_qty": "Must be at least 1",
    }
    values, errors = check_submission(
        True,
        [{"id": "fld_code", "value": "ABC"}, {"id": "fld_qty", "value": 4}, {"id": "fld_price", "value": 2.5}],
        own,
        (),
    )
    assert errors == []
    computed, problems = computed_values(own, values)
    assert computed == {"fld_total": 10} and problems == []
    _, errors = check_submission(True, [{"id": "fld_total", "value": 99}], own, ())
    assert "Filled in automatically; do not send a value" in {e.message for e in errors}


def test_a_formula_copied_from_a_template_reads_the_new_documents_fields() -> None:
    old, other = "tf_" + "a" * 20, "tf_" + "b" * 20
    expression = f"round({old} * 1.2 + {other}, 2) + max({old}, 1)"
    copied = formula.renamed(expression, {old: "fld_" + "c" * 20, other: "fld_" + "d" * 20})
    assert formula.references(copied) == {"fld_" + "c" * 20, "fld_" + "d" * 20}
    assert formula.evaluate(copied, {"fld_" + "c" * 20: 10, "fld_" + "d" * 20: 3}) == 25
    # Functions and ids not in the map stay as they were.
    assert formula.renamed("abs(fld_x1)", {old: "fld_y"}) == "abs(fld_x1)"
