"""The in-process simulator: a pipeline .so loaded into this process.

Tests and benchmarks feed it packets directly and drive it through the same
control protocol as the datapath in ovs-vswitchd.
"""

from ovsp4.sim.pipeline import Output, Pipeline, PipelineError

__all__ = ["Output", "Pipeline", "PipelineError"]
