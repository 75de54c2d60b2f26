"""synergait: predictive musculoskeletal locomotion simulation with muscle-synergy priors."""

__version__ = "0.1.0"
