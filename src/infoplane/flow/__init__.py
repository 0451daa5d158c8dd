"""The direction of information flow between neurons' state series (seed 004's first question).

* :mod:`~infoplane.flow.cmi`: conditional mutual information I(X;Y|Z) of continuous samples, the
  k-nearest-neighbour estimator of Frenzel and Pompe (2007, eq. 2), the conditional form of
  [KSG04] algorithm 1;
* :mod:`~infoplane.flow.gaussian`: the same for jointly Gaussian variables, from the determinants
  of sample covariances (the linear estimator; half the Granger causality statistic, Barnett,
  Barrett and Seth 2009);
* :mod:`~infoplane.flow.transfer`: transfer entropy (Schreiber 2000, eq. 4)
  TE(S -> T) = I(T_t ; S_{t-lag} | T_{t-1}, ..., T_{t-history}), estimated with either (``estimator``
  "knn" or "gaussian", :data:`~infoplane.flow.transfer.ESTIMATORS`), over one
  series or many trials of one process, and its significance against surrogates whose source is
  shifted in time or whose trials are swapped (each keeps the source's own statistics and breaks
  only its alignment with the target);
* :mod:`~infoplane.flow.graph`: the directed graph (networkx) of the significant flows among n
  series, corrected for the n(n - 1) tests.

Every estimate is in bits. The estimators are validated on systems with a known answer (jointly
Gaussian variables, whose conditional mutual information is -1/2 log(1 - rho^2) with rho the
partial correlation; linear autoregressive processes, whose transfer entropy follows from their
stationary covariance), in ``tests/test_flow.py``.
"""

from .cmi import conditional_mutual_information
from .gaussian import gaussian_conditional_mutual_information
from .graph import flow_graph
from .transfer import ESTIMATORS, embed, significance, transfer_entropy

__all__ = ["conditional_mutual_information", "gaussian_conditional_mutual_information", "transfer_entropy", "embed",
           "significance", "flow_graph", "ESTIMATORS"]  # fmt: skip
