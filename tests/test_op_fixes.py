"""What to change where a torch operation raised, on hand-made records (no torch)."""

from __future__ import annotations

import pytest

from linearcli.op_fixes import op_finding, view_fits
from linearcli.records import OpFailure, Producer

CONV1 = Producer("conv1", "Conv2d")
INPUT = Producer(None, "input")


@pytest.mark.parametrize(
    ("shape", "sizes", "fits"),
    [
        # x.view(-1, 320) on (2, 64, 4, 4): the -1 is the batch, 1024 values per sample
        ((2, 64, 4, 4), (-1, 320), [((2, 1024), 1)]),
        # reshape(B, T * 32) after a bidirectional LSTM: 8 * 64 = 512 per sample
        ((4, 8, 64), (4, 256), [((4, 512), 1)]),
        # view(-1, 64, 7, 7) of (3, 1568): 32 maps of 7x7 is the only one-size change
        ((3, 1568), (-1, 64, 7, 7), [((3, 32, 7, 7), 1)]),
        # q.view(B, T, 8, 16) of (2, 5, 96): 6 heads of 16, or 8 heads of 12
        ((2, 5, 96), (2, 5, 8, 16), [((2, 5, 6, 16), 2), ((2, 5, 8, 12), 3)]),
        # a ViT's (B, 64, 9) for 4x4 = 16 patches
        ((1, 64, 4, 4), (1, 64, 9), [((1, 64, 16), 2)]),
        # a batch size written into the code: view(32, -1) of a batch of 4
        ((4, 100), (32, -1), [((4, 100), 0)]),
        # a -1 after the kept axes leaves the answer open
        ((2, 5, 96), (2, 5, -1, 7), []),
        # more than one -1, or a negative size: nothing
        ((2, 6), (-1, -1), []),
        ((2, 6), (-2, 6), []),
        # (B, T, C) -> view(-1, H, D): the -1 is not the batch; nothing is guessed
        ((2, 5, 96), (-1, 8, 16), []),
    ],
)
def test_view_fits(
    shape: tuple[int, ...], sizes: tuple[int, ...], fits: list[tuple[tuple[int, ...], int]]
) -> None:
    assert view_fits(shape, sizes) == fits


def failed(op: str, shapes: tuple[tuple[int, ...] | None, ...], **fields: object) -> OpFailure:
    defaults: dict[str, object] = {
        "module": "(model)",
        "line": "model.py:25",
        "code": "",
        "message": "shape is invalid",
    }
    return OpFailure(op=op, shapes=shapes, **(defaults | fields))  # type: ignore[arg-type]


def test_a_view_that_folds_the_maps_keeps_the_batch_axis() -> None:
    op = failed("view", ((2, 64, 4, 4),), sizes=(-1, 320), code="x = x.view(-1, 320)")
    finding = op_finding(op, {})
    assert finding is not None
    assert (finding.code, finding.layer, finding.source) == ("view-size", "(model)", "model.py:25")
    assert finding.message == (
        "x.view(-1, 320) asks for a multiple of 320 values, but its input (2, 64, 4, 4) holds "
        "2048 values, 64*4*4 = 1024 for each of its 2 rows"
    )
    assert finding.fix == (
        "keep the batch axis and flatten the rest: x.view(x.size(0), -1), "
        "64*4*4 = 1024 values per sample"
    )


def test_a_view_size_written_as_a_number_is_offered_first() -> None:
    op = failed(
        "view",
        ((2, 5, 96),),
        sizes=(2, 5, 8, 16),
        code="q = q.view(B, T, self.n_heads, 16).transpose(1, 2)",
        repaired=(2, 5, 6, 16),
    )
    finding = op_finding(op, {})
    assert finding is not None
    # in the words of the code, the number it wrote first
    assert finding.fix == (
        "sizes that hold it: q.view(B, T, self.n_heads, 12) or q.view(B, T, 6, 16)"
    )
    assert finding.message.endswith("; linearcli went on with (2, 5, 6, 16)")


def test_a_view_keeps_the_sizes_as_written_but_the_one_that_changes() -> None:
    op = failed("view", ((3, 1568),), sizes=(-1, 64, 7, 7), code="x = x.view(-1, 64, 7, 7)")
    finding = op_finding(op, {})
    assert finding is not None and finding.fix == "sizes that hold it: x.view(-1, 32, 7, 7)"


def test_torch_reshape_names_its_first_argument() -> None:
    op = failed("reshape", ((4, 100),), sizes=(32, -1), code="y = torch.reshape(h, (32, -1))")
    finding = op_finding(op, {})
    assert finding is not None
    assert finding.fix == "use the batch at hand, not a fixed one: h.reshape(h.size(0), -1)"


def test_a_view_of_a_transposed_tensor_gets_reshape() -> None:
    op = failed(
        "view",
        ((2, 6, 4, 8),),
        sizes=(2, 6, 32),
        code="y = y.transpose(1, 2).view(B, N, C)",
        message="view size is not compatible with input tensor's size and stride",
    )
    finding = op_finding(op, {})
    assert finding is not None
    assert finding.fix == (
        "use reshape: y.transpose(1, 2).reshape(B, N, C) "
        "(or y.transpose(1, 2).contiguous().view(B, N, C))"
    )


def test_a_view_without_one_fitting_size_says_what_the_sizes_must_multiply_to() -> None:
    op = failed("view", ((2, 5, 96),), sizes=(-1, 8, 16))
    finding = op_finding(op, {})
    assert finding is not None and finding.fix == "sizes that multiply to 960"


def test_a_weight_stored_in_out_is_fixed_where_it_was_assigned() -> None:
    op = failed(
        "linear",
        ((3, 20), (20, 8), (8,)),
        parameters=(None, "dense.weight", "dense.bias"),
        declared=(None, (20, 8), None),  # nn.Linear(20, 8), given a (20, 8) kernel
        module="dense",
        line="model.py:20",
    )
    finding = op_finding(op, {"dense.weight": "model.py:32", "dense": "model.py:15"})
    assert finding is not None
    assert (finding.code, finding.layer, finding.source) == (
        "transposed-weight",
        "dense",
        "model.py:32",
    )
    assert finding.fix == (
        "store dense.weight as (8, 20): assign its transpose (.T); nn.Linear keeps (out, in)"
    )


def test_a_weight_of_the_models_own_gets_both_ways_out() -> None:
    # A hand-made (32, 64) weight and a 32-wide input: the weight may be kept (in, out), or
    # the layer before may give the wrong size. Neither is said alone.
    op = failed("linear", ((4, 32), (32, 64)), parameters=(None, "proj"))
    finding = op_finding(op, {})
    assert finding is not None and finding.layer == "(model)"
    assert finding.fix == (
        "if proj is kept (in, out): store proj as (64, 32): assign its transpose (.T); "
        "else the input should have 64 features"
    )


def test_a_square_weight_is_never_called_transposed() -> None:
    op = failed("linear", ((3, 8), (8, 8)), parameters=(None, "fc.weight"))
    assert op_finding(op, {}) is None


def test_f_linear_with_its_arguments_swapped() -> None:
    op = failed(
        "linear",
        ((1000, 48), (2, 7, 48)),
        parameters=("embed.weight", None),
        code="return F.linear(self.embed.weight, h)",
        repaired=(2, 7, 1000),
    )
    finding = op_finding(op, {})
    assert finding is not None and finding.layer == "embed"
    assert finding.fix == "F.linear(h, self.embed.weight), which gives (2, 7, 1000)"


def test_x_at_a_linear_weight_needs_its_transpose() -> None:
    op = failed(
        "matmul",
        ((4, 784), (10, 784)),
        parameters=(None, "lin.weight"),
        declared=(None, (784, 10)),
        code="return x @ self.lin.weight + self.lin.bias",
    )
    finding = op_finding(op, {})
    assert finding is not None and finding.layer == "lin"
    assert finding.fix == "x @ self.lin.weight.T, or call the layer itself: self.lin(x)"


def test_a_matmul_of_two_activations_is_not_explained() -> None:
    op = failed("matmul", ((4, 7), (5, 3)), parameters=(None, None))
    assert op_finding(op, {}) is None


def test_channels_on_the_last_axis_are_moved_not_resized() -> None:
    op = failed(
        "conv1d", ((4, 50, 6), (32, 6, 3)), module="conv1", line="model.py:22", producer=INPUT
    )
    finding = op_finding(op, {"conv1": "model.py:15"})
    assert finding is not None
    assert (finding.code, finding.layer, finding.source) == (
        "channels-mismatch",
        "conv1",
        "model.py:22",
    )
    assert finding.fix == (
        "move them to axis 1 before conv1: x.transpose(1, 2); its in_channels 6 is right"
    )
    images = failed("conv2d", ((2, 32, 32, 3), (8, 3, 3, 3)), module="conv1", producer=INPUT)
    moved = op_finding(images, {})
    assert moved is not None and "x.permute(0, 3, 1, 2)" in (moved.fix or "")


def test_a_width_equal_to_the_channels_is_no_evidence_of_channels_last() -> None:
    # conv1 gives 64 maps of 32x32 to a conv built for 32 channels: its in_channels is
    # wrong, whatever the width of the maps
    op = failed("conv2d", ((2, 64, 32, 32), (64, 32, 3, 3)), module="conv2", producer=CONV1)
    finding = op_finding(op, {})
    assert finding is not None
    assert finding.fix == "set conv2's in_channels to 64, or make conv1 give 32 channels"


def test_a_grouped_convolution_counts_its_groups() -> None:
    # groups=4, 2 channels per group: in_channels 8, and the input has them
    op = failed("conv2d", ((2, 8, 5, 5), (8, 2, 3, 3)), groups=4)
    assert op_finding(op, {}) is None


def test_a_digit_without_batch_and_channel_axes_is_fixed_where_the_input_is_made() -> None:
    op = failed("conv2d", ((28, 28), (8, 1, 3, 3)), module="conv1", producer=INPUT)
    finding = op_finding(op, {"(input)": "model.py:29"})
    assert finding is not None and finding.source == "model.py:29"
    assert finding.fix == "add both: x.unsqueeze(0).unsqueeze(0), (1, 1, 28, 28)"


def test_other_channels_name_both_ways_out() -> None:
    op = failed("conv2d", ((2, 32, 8, 8), (64, 64, 3, 3)), module="conv2", producer=CONV1)
    finding = op_finding(op, {"conv2": "model.py:12"})
    assert finding is not None and finding.source == "model.py:12"
    assert finding.fix == "set conv2's in_channels to 32, or make conv1 give 64 channels"


def test_a_batchnorm_after_a_replaced_stem_blames_the_stem() -> None:
    op = failed(
        "batch_norm",
        ((2, 32, 16, 16), (64,), (64,), (64,), (64,)),
        module="bn1",
        producer=CONV1,
    )
    finding = op_finding(op, {"conv1": "model.py:44", "bn1": "model.py:30"})
    assert finding is not None
    assert (finding.layer, finding.source) == ("conv1", "model.py:44")
    assert finding.fix == (
        "make conv1 give 64 channels (out_channels=64), as bn1 and what follows expect; "
        "or set bn1's num_features to 32"
    )


def test_an_operation_without_a_rule_is_left_to_forward_error() -> None:
    assert op_finding(failed("cat", ((2, 3), (4, 5))), {}) is None
