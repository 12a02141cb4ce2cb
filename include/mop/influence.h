#pragma once
// How much each training example of a softmax classifier helps it, by a noise-robust influence
// function: ProGen's (Ye et al. 2022) quality signal, on mop's linear classifier over sentence
// embeddings.
//
// The task model is SoftmaxClassifier's: theta = (W, b) minimising
//   R(theta) = (1/n) sum_i CE(x_i, y_i; theta) + (l2 / 2) ||W||^2.
// The influence of upweighting training example z on a validation loss L_val is (Koh & Liang
// 2017) dL_val/d eps = -grad L_val^T H^-1 grad CE(z), H the exact Hessian of R at theta (small:
// (dim + 1) x classes parameters). The validation loss is the reverse cross-entropy (Wang et al.
// 2019, "Symmetric cross entropy"), RCE(x, y) = -sum_k p_k log q_k with q the one-hot label and
// log 0 clipped to A < 0, i.e. -A (1 - p_y): bounded, so a mislabeled validation example cannot
// dominate, and its gradient is CE's scaled by -A p_y, so low-confidence (likely wrong) examples
// weigh little. ProGen has no human validation set; neither has mop: the validation set is the
// training set itself, each example's own term left out.
//
//   helpfulness(z_i) = g_val(-i)^T (H + damping I)^-1 grad CE(z_i, theta)
//   g_val(-i)        = (1 / (n - 1)) sum_{j != i} grad RCE(z_j, theta)
//
// is the first-order decrease of the validation RCE per unit of extra weight on z_i: positive
// helps, negative hurts (a mislabeled example typically scores negative). The damping makes H
// invertible along its one flat direction (every class's bias shifted alike), along which no
// gradient has a component.
#include <string>
#include <vector>

#include "mop/embed.h"
#include "mop/metrics.h"

namespace mop::eval {

struct InfluenceOptions {
  SoftmaxOptions classifier;  // the task model's training
  double rce_log_zero = -4;   // A: log 0 in RCE clipped to this (Wang et al. 2019 use -4); < 0
  double damping = 1e-6;      // added to H's diagonal before solving; >= 0
};

struct InfluenceResult {
  std::vector<double> helpfulness;  // one per training row
  std::vector<std::string> classes;  // the classifier's classes, sorted
  double validation_rce = 0;        // mean RCE over the training rows at the fitted theta
  int iterations = 0;               // L-BFGS iterations of the task model
  bool converged = false;
};

// Trains the task model on (x, labels) and scores every row. Needs two or more classes and at
// least two rows; throws mop::Error otherwise.
InfluenceResult helpfulness(const embed::Matrix& x, const std::vector<std::string>& labels,
                            const InfluenceOptions& options = {});

}  // namespace mop::eval
