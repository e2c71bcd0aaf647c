"""What the forward pass recorded: plain frozen values, no torch, so diagnose stays pure."""

from __future__ import annotations

from dataclasses import dataclass, field

Shape = tuple[int, ...]
ROOT_NAME = "(model)"  # how the model itself is named where a module name is expected
INPUT_NAME = "(input)"  # how the model's input is named where a producer's name is expected


def size_key(module: str) -> str:
    """Where a spec's sources keep the line that decided a module's input size, where that
    is not the line that made it: a helper's call site (``dense(256, 64)``)."""
    return f"{module} (size)"


# How a row's linear map is computed (maps.py): an nn.Linear; another module applying a
# matrix of its own (transformers' Conv1D: stored (in, out), run by addmm); a matrix
# applied by another module's forward (a tied LM head); nn.MultiheadAttention's packed
# q, k, v projection; a 3-D bank of experts; a quantized Linear's packed weight.
LINEAR, MODULE, FUNCTIONAL, PACKED, EXPERTS = "Linear", "module", "functional", "packed", "experts"
QUANTIZED = "quantized"


@dataclass(frozen=True)
class Producer:
    """The module that decided the size of a Linear's input; ``name`` None: the model's input.

    Shape-preserving layers (ReLU, Dropout, LayerNorm) pass it through, so for
    fc1 -> ReLU -> fc2 the producer of fc2's input is fc1, whose out_features set it.
    """

    name: str | None
    type_name: str
    features: tuple[int, int] | None = None  # (in_features, out_features) for a Linear

    def describe(self) -> str:
        if self.name is None:
            return "the model's input"
        if self.features is not None:
            return f"{self.name} ({self.type_name} {self.features[0]}->{self.features[1]})"
        return f"{self.name} ({self.type_name})"


@dataclass(frozen=True)
class Made:
    """The call into torch that made a tensor, in the user's code: its provenance."""

    op: str  # as written: flatten, cat, view, mean...
    line: str | None  # file:line
    code: str  # that line's text, stripped


@dataclass(frozen=True)
class LinearCall:
    input_shape: Shape | None
    output_shape: Shape | None  # None: the call raised
    producer: Producer | None = None
    from_feature_map: bool = False  # the input came from a Conv/Pool map, maybe via ReLU etc.
    after_recovery: bool = False  # linearcli had corrected an earlier mistake to go on
    # The producer is known (its output, through shape-preserving layers), not credited
    # as the last module to run before code in a forward() made the input.
    producer_exact: bool = True
    # The Linear's weight is its declared (in_features, out_features) the wrong way round
    # (a kernel assigned as it is): the operation that applies it says so (OpFailure).
    weight_transposed: bool = False
    # Known on the watching pass that follows a pass with a mistake (trace/failed_op.py):
    # the call into torch that made the input, and the user's line that called the Linear
    # where user code did (not a Sequential).
    made: Made | None = None
    call_line: str | None = None


@dataclass(frozen=True)
class Stats:
    """What a parameter's values are, observed."""

    min: float
    max: float
    mean: float
    std: float
    count: int
    non_finite: int = 0  # NaN and ±inf values; any at all make min, max, mean and std so


@dataclass(frozen=True)
class MapUse:
    """One operation that applied a row's weight as a matrix, seen by the op watcher."""

    by: str  # the module whose forward made it
    op: str  # the aten operation: addmm, mm, bmm, linear, _native_multi_head_attention...
    input_shape: Shape | None  # the other operand: what the matrix was applied to
    output_shape: Shape | None
    source: str | None  # file:line of the code outside torch that called it


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter on a row's layer: y = base(x) + B(A(x)) * scaling."""

    name: str  # peft's adapter name: "default"
    rank: int
    a_shape: Shape  # (rank, in_features)
    b_shape: Shape  # (out_features, rank)
    params: int


@dataclass(frozen=True)
class LinearRecord:
    name: str
    type_name: str  # as built: a LazyLinear turns into a Linear when it first runs
    in_features: int  # 0 for a LazyLinear that never ran
    out_features: int
    weight_shape: Shape
    bias_shape: Shape | None
    params: int
    weight_stats: Stats | None  # None where there are no values (meta, lazy)
    bias_stats: Stats | None
    calls: tuple[LinearCall, ...]
    used_by: str | None  # the enclosing module that uses this weight without calling it
    kind: str = LINEAR
    # The weight as kept where that is not weight_shape: (in, out) for transformers'
    # Conv1D, (experts, ...) for a bank of experts.
    stored_shape: Shape | None = None
    stored_in_out: bool = False  # each matrix kept (in, out), applied from the right: x @ W
    owner: str | None = None  # the module holding the weight, where the row is named otherwise
    adapters: tuple[Adapter, ...] = ()  # LoRA: the row is the wrapper, its base layer's map
    uses: tuple[MapUse, ...] = ()  # applications the op watcher saw (not a module's own call)
    train_only: bool = False  # not called in eval mode, called by a train-mode pass
    rectified: bool = False  # a ReLU took its output (whose gradient at 0 is 0)
    # The other modules holding the same weight tensor: an LM head tied to the embedding.
    tied_to: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The module whose line the row has: ``self_attn`` for ``self_attn.in_proj``."""
        return self.owner if self.owner is not None else self.name


@dataclass(frozen=True)
class OpFailure:
    """A torch operation that raised: what it was given. Recorded on the second, watched
    pass that follows a pass that failed or gave a Linear a wrong input
    (trace/failed_op.py)."""

    op: str  # the function as written: view, reshape, linear, matmul, conv2d, batch_norm...
    module: str  # the innermost module whose forward called it
    line: str | None  # file:line of the user's code that called it
    code: str  # that line's text, stripped ("" where unknown)
    message: str  # torch's message, its first line
    shapes: tuple[Shape | None, ...]  # each positional argument: a tensor's shape, or None
    # Each positional argument that is a parameter of the model: its qualified name.
    parameters: tuple[str | None, ...] = ()
    # Each positional argument that is an nn.Linear's weight: that Linear's declared
    # (in_features, out_features), which say how the weight was meant to be laid out.
    declared: tuple[tuple[int, int] | None, ...] = ()
    sizes: tuple[int, ...] = ()  # the sizes a view or reshape asked for
    groups: int = 1  # a convolution's groups
    producer: Producer | None = None  # the module that made the first argument, if known
    made: Made | None = None  # the call into torch that made the first argument, if seen
    after_recovery: bool = False  # linearcli had corrected an earlier mistake to go on
    repaired: Shape | None = None  # the output linearcli gave to go on; None: it stopped


@dataclass(frozen=True)
class RnnState:
    """An RNN's initial state sized for another batch than its input's."""

    shape: Shape  # the state given, (layers * directions, batch, hidden)
    batch: int  # the batch its input has
    made: Made | None  # the call that made the state, where the watched pass saw it


@dataclass(frozen=True)
class ForwardFailure:
    module: str  # the innermost module running when it raised
    module_type: str
    exception_type: str
    message: str
    after_recovery: bool = False
    location: str | None = None  # file:line of the innermost user code that raised
    traceback: str = field(default="", compare=False)  # shown with --debug only
    op: OpFailure | None = None  # the torch operation that raised, where one did
    state: RnnState | None = None  # an RNN given an initial state for another batch


@dataclass(frozen=True)
class BatchLoss:
    """The reshape that dealt the batch out into rows that mix samples."""

    op: str  # the aten operation: view, cat, squeeze, mean...
    line: str | None  # file:line of the user's code that called it
    input_shape: Shape
    output_shape: Shape
    batch: int
    per_sample: int  # values per sample in its input: the size a flatten would give


@dataclass(frozen=True)
class BatchDrop:
    """An operation whose output has fewer axes with a batch of one than with two: a
    ``squeeze()`` that takes the batch axis too when it is 1."""

    op: str  # the aten operation: squeeze...
    line: str | None  # file:line of the user's code that called it
    one: tuple[Shape, Shape]  # its input and output shapes with the batch of one
    two: tuple[Shape, Shape]  # the same with two samples


@dataclass(frozen=True)
class SampleMix:
    """The call where the samples of the batch met: each value of its output depends on
    every sample (trace/samples.py)."""

    made: Made  # the call, and the user's line that called it
    module: str  # the module whose forward called it
    input_shape: Shape  # of its (first) input
    output_shape: Shape
    batch: int
    batch_axis: int | None  # the axis of its input that held the batch
    inputs: int = 1  # the tensors it took (a cat's list)
    input_made: Made | None = None  # the call that made that input


@dataclass(frozen=True)
class Trace:
    linears: tuple[LinearRecord, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape | None
    failure: ForwardFailure | None
    params: int
    trainable_params: int
    linear_params: int  # of the nn.Linear modules
    linear_map_params: int  # of every row: weights and biases of other linear maps too
    param_bytes: int
    device: str
    dtype: str
    # Every tensor the model returned: where it is ("0", "logits", "past.0.1"), its shape.
    outputs: tuple[tuple[str, Shape], ...] = ()
    batch_loss: BatchLoss | None = None  # where a returned tensor lost the batch axis
    batch_drop: BatchDrop | None = None  # where a batch of one lost its axis
    samples_mixed: SampleMix | None = None  # where the samples of the batch met
    # A recurrent layer's batch_first, by module name: how it reads its input's axes.
    batch_first: tuple[tuple[str, bool], ...] = ()
    # Operations that raised and that linearcli gave an output of the right shape to go on.
    repaired: tuple[OpFailure, ...] = ()
    # The layer that took the model's input as one unbatched sample, as torch allows: a
    # (C, H, W) image into a Conv2d, (T, F) into an LSTM, (F,) into a Linear.
    unbatched_input: str | None = None
