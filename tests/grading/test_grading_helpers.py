"""Unit tests of nnref.grading: every diagnosis a student can see, the reference guard, the
gradient checks and the environment check."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nnref
from nnref import activations, grading, losses

E = np.arange(1.0, 7.0).reshape(2, 3)  # a non-square, non-symmetric expected array


def message(actual, expected, **kwargs):
    """The AssertionError message check_array raises (and that it raises one)."""
    with pytest.raises(AssertionError) as info:
        grading.check_array(actual, expected, name="dW", **kwargs)
    text = str(info.value)
    assert text.startswith("dW "), text
    return text


# --- check_array: one test per diagnosis -------------------------------------------------

def test_matching_arrays_pass_within_tolerance():
    grading.check_array(E * (1 + 1e-9), E, name="dW")
    grading.check_array(2.0, np.float64(2.0), name="loss")


@pytest.mark.parametrize("actual, expected_words", [
    (None, "returned nothing"),
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "is a list, not a NumPy array"),
    ((E, E), "is a tuple of 2 values"),
    (E.astype(str), "should hold real numbers"),
])
def test_not_an_array(actual, expected_words):
    assert expected_words in message(actual, E)


def test_transposed_shape():
    assert "transpose of the expected shape (2, 3)" in message(E.T, E)


def test_transposed_values_of_a_square_matrix():
    square = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "values are the transpose" in message(square.T, square)


def test_symmetric_matrix_is_not_called_transposed():
    sym = np.array([[1.0, 2.0], [2.0, 5.0]])
    assert "transpose" not in message(sym + np.eye(2), sym)


def test_bias_not_summed_over_the_batch():
    per_example = np.arange(12.0).reshape(4, 3)
    text = message(per_example, per_example.sum(axis=0), per_example=per_example)
    assert "one row per example" in text and ".sum(axis=0)" in text
    # the extra axis is recognized without per_example too
    assert "one row per example" in message(per_example, per_example.sum(axis=0))


def test_bias_gradient_equal_to_one_row():
    per_example = np.array([[1.0, 2.0], [3.0, 5.0], [7.0, 11.0]])
    text = message(per_example[1], per_example.sum(axis=0), per_example=per_example)
    assert "example 1 alone" in text


def test_keepdims_axis():
    assert "extra axis of length 1" in message(E.sum(axis=0, keepdims=True), E.sum(axis=0))


def test_same_size_other_shape():
    assert "right number of entries (6)" in message(E.reshape(3, 2)[:, ::-1].copy().reshape(6), E)


def test_scalar_instead_of_array():
    assert "is a single number" in message(np.float64(0.0), E)


@pytest.mark.parametrize("factor, words", [
    (-1.0, "wrong sign"),
    (2.0, "exactly twice"),
    (0.5, "exactly half"),
    (8.0, "N = 8 times too large"),
    (1 / 8, "N = 8 times too small"),
    (3.7, "is 3.7 times the expected values"),
])
def test_constant_factors(factor, words):
    assert words in message(factor * E, E, batch_size=8)


def test_factor_n_is_only_named_when_batch_size_is_given():
    assert "3 times the expected" in message(3 * E, E)
    assert "N = 3" in message(3 * E, E, batch_size=3)


def test_all_zeros():
    assert "all zeros" in message(np.zeros_like(E), E)


@pytest.mark.parametrize("bad, words", [(np.nan, "contains NaN in 1 of 6"), (np.inf, "contains inf")])
def test_nan_and_inf(bad, words):
    actual = E.copy()
    actual[1, 2] = bad
    assert words in message(actual, E)


@pytest.mark.parametrize("dtype, words", [
    (np.float32, "dtype float32"), (np.int64, "dtype int64"), (bool, ".astype(float)"),
])
def test_wrong_dtype(dtype, words):
    expected = np.ones(3)
    assert words in message(np.ones(3, dtype=dtype), expected)


def test_largest_error_and_its_index():
    actual = E.copy()
    actual[0, 1] += 0.5
    actual[1, 0] += 0.1
    text = message(actual, E)
    assert "2 wrong entries out of 6" in text
    assert "index (0, 1): got 2.5, expected 2" in text


def test_wrong_scalar():
    assert "is 3, but it should be 2.5" in message(3.0, 2.5)


# --- call_student: the reference guard ---------------------------------------------------

def stub(z):
    raise NotImplementedError()


def test_stub_is_not_answered_yet():
    with pytest.raises(AssertionError, match=r"`stub` is not answered yet"):
        grading.call_student(stub, np.ones(3))


def test_result_is_returned_and_reference_restored():
    z = np.linspace(-2, 2, 5)
    assert np.array_equal(grading.call_student(lambda z: 2 * z, z), 2 * z)
    # the reference works again afterwards, with its default arguments intact
    assert activations.LeakyReLU().derivative(np.array([-1.0]))[0] == 0.01


# Ways a student may reach the reference: each must be caught, however it was imported.
from nnref.activations import Sigmoid  # noqa: E402  (imported before the guard, on purpose)

bound_method = Sigmoid().derivative


def via_module(z):
    return nnref.activations.Sigmoid().derivative(z)


def via_imported_class(z):
    return Sigmoid().derivative(z)


def via_bound_method_taken_earlier(z):
    return bound_method(z)


def via_get(z):
    return activations.get("sigmoid").derivative(z)


def via_backward(z):
    return activations.Sigmoid().backward(z, np.ones_like(z))


def hiding_the_error(z):
    try:
        return Sigmoid().derivative(z)
    except Exception:
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)


@pytest.mark.parametrize("answer", [via_module, via_imported_class, via_bound_method_taken_earlier,
                                    via_get, via_backward, hiding_the_error])
def test_calling_the_reference_scores_zero(answer):
    with pytest.raises(AssertionError, match=r"calls nnref's reference \(.*\).*scores 0"):
        grading.call_student(answer, np.ones(3))
    # and it is restored afterwards
    assert np.allclose(answer(np.zeros(1)), 0.25)


def test_disable_only_some_modules():
    def uses_activations(z):
        return Sigmoid().derivative(z)

    result = grading.call_student(uses_activations, np.zeros(2), disable=[nnref.losses])
    assert np.allclose(result, 0.25)

    def uses_losses(z):
        return losses.SquaredError().backward(z, np.zeros_like(z))

    with pytest.raises(AssertionError, match=r"reference \(SquaredError\."):
        grading.call_student(uses_losses, np.ones((2, 1)), disable=[nnref.losses])


def test_disable_rejects_non_nnref_objects():
    with pytest.raises(TypeError, match="disable= expects"):
        grading.call_student(lambda: 1, disable=[42])


def test_nested_calls_keep_the_reference_disabled_until_the_outer_call_ends():
    def outer(z):
        inner = grading.call_student(lambda x: 2 * x, z)
        return Sigmoid().derivative(inner)  # still disabled here

    with pytest.raises(AssertionError, match="calls nnref's reference"):
        grading.call_student(outer, np.ones(2))
    assert np.allclose(Sigmoid().derivative(np.zeros(1)), 0.25)


def test_other_exceptions_propagate_unchanged():
    def broken(z):
        return z @ np.ones((5, 5))

    with pytest.raises(ValueError):
        grading.call_student(broken, np.ones(3))
    assert np.allclose(Sigmoid().derivative(np.zeros(1)), 0.25)


def test_changing_the_input_in_place_is_reported():
    def in_place(z):
        z *= 2
        return z

    with pytest.raises(AssertionError, match="changed its input .argument 1. in place"):
        grading.call_student(in_place, np.ones(3))


def test_not_a_function():
    with pytest.raises(AssertionError, match="is not a function"):
        grading.call_student(np.ones(3), 1)


# --- gradient checks --------------------------------------------------------------------

def test_check_derivative_accepts_a_correct_derivative_and_names_a_wrong_one():
    z = np.array([-2.0, -0.3, 0.4, 1.5])

    def tanh_derivative(z):
        return 1 - np.tanh(z) ** 2

    grading.check_derivative(tanh_derivative, np.tanh, z)

    def forgot_the_square(z):
        return 1 - np.tanh(z)

    with pytest.raises(AssertionError, match=r"forgot_the_square\(z\) disagrees with the numerical "
                                             r"gradient .* it has 4 wrong entries"):
        grading.check_derivative(forgot_the_square, np.tanh, z)


def test_check_derivative_goes_through_the_guard():
    with pytest.raises(AssertionError, match="calls nnref's reference"):
        grading.check_derivative(via_imported_class, activations.Sigmoid().forward, np.ones(3))


def test_check_gradient_names_a_missing_one_over_n():
    rng = np.random.default_rng(0)
    y_hat, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = losses.SquaredError()
    exact = loss.backward(y_hat, y)
    grading.check_gradient(exact, lambda: loss.forward(y_hat, y), y_hat, name="dL/dy_hat")
    with pytest.raises(AssertionError, match=r"dL/dy_hat disagrees .* it is N = 5 times too large"):
        grading.check_gradient(5 * exact, lambda: loss.forward(y_hat, y), y_hat,
                               name="dL/dy_hat", batch_size=5)


def test_check_gradient_needs_float64():
    with pytest.raises(TypeError, match="float64"):
        grading.check_gradient(np.ones(2), lambda: 0.0, np.ones(2, dtype=np.float32))


# --- environment check ------------------------------------------------------------------

def test_environment_ok(capsys):
    assert grading.check_environment() is True
    assert capsys.readouterr().out.startswith("Environment OK: Python 3.11")


def test_environment_names_one_fix_for_a_numpy_mismatch(capsys, monkeypatch):
    monkeypatch.setattr(np, "__version__", "1.26.4")
    assert grading.check_environment() is False
    out = capsys.readouterr().out
    assert out.startswith("Environment problem: NumPy 1.26.4 is installed, the course uses NumPy 2.4")
    assert out.count("make setup") == 1 and out.count("\n") == 1


def test_environment_names_a_python_mismatch(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 1, "final", 0))
    assert "runs Python 3.9, the course uses Python 3.11" in grading.environment_problem()


def test_environment_names_a_stale_nnref(monkeypatch):
    monkeypatch.setattr(nnref, "__version__", "0.1.0")
    assert "is version 0.1.0, but version" in grading.environment_problem()


def test_course_pins_agree_with_requirements():
    text = (Path(__file__).parents[2] / "requirements.txt").read_text()
    numpy_pin = re.search(r"^numpy==(\d+)\.(\d+)", text, re.M)
    assert tuple(map(int, numpy_pin.groups())) == grading.COURSE_NUMPY
    assert sys.version_info[:2] == grading.COURSE_PYTHON


# --- exercise-specific mistakes and check_derivative(expected=) ---------------------------

def test_a_known_mistake_is_named():
    expected = np.array([0.1, 0.2, 0.3])
    forgot = np.array([0.5, 0.4, 0.9])
    text = message(forgot, expected, mistakes={"the factor f'(z) is missing": forgot})
    assert "matches a common mistake: the factor f'(z) is missing." in text


def test_check_derivative_compares_with_expected_first():
    z = np.array([-1.0, 0.5, 2.0])

    def half_of_it(z):
        return 0.5 * (1 - np.tanh(z) ** 2)

    with pytest.raises(AssertionError, match=r"^half_of_it\(z\) is exactly half"):
        grading.check_derivative(half_of_it, np.tanh, z, expected=activations.Tanh().derivative(z))


def test_check_derivative_passes_keyword_arguments():
    z = np.array([-1.0, 0.5, 2.0])

    def leaky(z, alpha=0.01):
        return np.where(z > 0, 1.0, alpha)

    grading.check_derivative(leaky, activations.LeakyReLU(0.3).forward, z, kwargs={"alpha": 0.3})
    with pytest.raises(AssertionError, match="wrong entr"):
        grading.check_derivative(leaky, activations.LeakyReLU(0.3).forward, z)


# --- issue 16: messages that name the mistake actually made --------------------------------

def test_mean_over_all_entries_is_not_called_half():
    # (N, K) = (4, 2): dividing by Y.size = 8 instead of N = 4 is a factor 1/2, but "half" would
    # send the student looking for a missing 2
    expected = np.arange(1.0, 9.0).reshape(4, 2)
    text = message(expected / 2, expected, batch_size=4)
    assert "number of entries (8) instead of by N = 4" in text and "half" not in text


def test_summed_scalar_is_told_to_drop_the_sum():
    text = message(np.float64(E.sum()), E)
    assert "the sum of the 6 expected entries" in text and "full_like" not in text


def test_constant_scalar_is_told_to_return_one_per_entry():
    assert "full_like" in message(np.float64(1.0), np.ones(4))
    assert "full_like" not in message(np.float64(7.5), E)


def test_all_zeros_does_not_guess_a_placeholder():
    text = message(np.zeros_like(E), E)
    assert "all zeros" in text and "placeholder" not in text and "6 wrong entries" in text


def test_close_numbers_are_printed_with_enough_digits_to_differ():
    actual = E.copy()
    actual[1, 1] = 5.0 * (1 + 3e-6)
    text = message(actual, E)
    got, expected = re.search(r"got (\S+), expected (\S+) ", text).groups()
    assert got != expected and "relative error of 3.0e-06" in text


def test_a_failed_check_renders_as_its_name_and_message_only():
    with pytest.raises(grading.CheckFailed) as info:
        grading.check_array(2 * E, E, name="dW")
    assert isinstance(info.value, AssertionError)
    lines = info.value._render_traceback_()
    assert len(lines) <= 3
    assert "dW" in lines[0] and "exactly twice" in lines[-1]
    assert not any("grading.py" in line for line in lines)


def test_a_stub_renders_in_a_few_lines_but_the_students_own_error_keeps_its_traceback():
    with pytest.raises(grading.CheckFailed) as info:
        grading.call_student(stub, np.ones(3))
    assert "not answered yet" in info.value._render_traceback_()[-1]

    def broken(z):
        return z @ np.ones((5, 5))  # a real bug in the student's code: a NumPy error

    with pytest.raises(ValueError) as info:
        grading.call_student(broken, np.ones(3))
    assert not hasattr(info.value, "_render_traceback_")


def test_trailing_keepdims_axis():
    assert "trailing axis of length 1" in message(E.sum(axis=1, keepdims=True), E.sum(axis=1))


def test_bias_summed_over_the_wrong_axis():
    per_example = np.arange(12.0).reshape(4, 3)
    text = message(per_example.sum(axis=1), per_example.sum(axis=0), per_example=per_example)
    assert "summed over axis 1" in text
