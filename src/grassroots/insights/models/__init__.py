"""The insights app's models, one module per part."""

from .appeals import *  # noqa: F403
from .diagnosis import *  # noqa: F403
from .formalism import *  # noqa: F403
