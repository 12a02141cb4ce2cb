// Gate files and training checkpoints (see binary_io.h for the frame).
#include <cstdint>
#include <limits>
#include <utility>

#include "method/binary_io.h"
#include "method/gate_detail.h"
#include "mop/error.h"

namespace mop::method {
namespace {

constexpr std::string_view kGateMagic = "MOP-GATE";
constexpr std::string_view kCheckpointMagic = "MOP-CKPT";
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxDim = 1u << 24;  // far above any real embedding, projection or persona count

struct Dims {
  uint32_t d, p, k;
};

void write_params(detail::ByteWriter& w, const Params& p) {
  for (const MatrixRM* m : {&p.wx, &p.wg, &p.we}) w.f64s(m->data(), static_cast<size_t>(m->size()));
  w.f64s(p.tau.data(), static_cast<size_t>(p.tau.size()));
}

Params read_params(detail::ByteReader& r, const Dims& dims) {
  const uint64_t block = uint64_t(dims.p) * dims.d;
  r.need(8 * (3 * block + dims.k), "the parameters");
  Params p;
  for (MatrixRM* m : {&p.wx, &p.wg, &p.we}) {
    m->resize(dims.p, dims.d);
    r.f64s(m->data(), static_cast<size_t>(block));
  }
  p.tau.resize(dims.k);
  r.f64s(p.tau.data(), dims.k);
  return p;
}

void write_gate(detail::ByteWriter& w, const Gate& gate) {
  w.u32(static_cast<uint32_t>(gate.dim_in()));
  w.u32(static_cast<uint32_t>(gate.dim_proj()));
  w.u32(static_cast<uint32_t>(gate.n_personas()));
  w.f64(gate.tau_min());
  w.f64(gate.tau_max());
  write_params(w, gate.params());
}

std::pair<Gate, Dims> read_gate(detail::ByteReader& r) {
  Dims dims{};
  dims.d = r.u32();
  dims.p = r.u32();
  dims.k = r.u32();
  for (uint32_t v : {dims.d, dims.p, dims.k})
    if (v < 1 || v > kMaxDim) r.fail("corrupted: dimension " + std::to_string(v) + " out of range");
  const double tau_min = r.f64(), tau_max = r.f64();
  Params p = read_params(r, dims);
  // A NaN or infinite weight passes the checksum if it was written so; it would make every gate
  // probability NaN, so it is refused here rather than sampled from.
  const char* names[] = {"W_x", "W_g", "W_e"};
  int which = 0;
  for (const MatrixRM* m : {&p.wx, &p.wg, &p.we}) {
    if (!m->allFinite()) r.fail(std::string("corrupted: ") + names[which] + " holds a NaN or infinite weight");
    ++which;
  }
  for (Eigen::Index k = 0; k < p.tau.size(); ++k)
    if (!(p.tau(k) >= tau_min && p.tau(k) <= tau_max)) r.fail("corrupted: temperature outside its range");
  try {
    return {Gate(std::move(p), tau_min, tau_max), dims};
  } catch (const Error& e) {
    r.fail(std::string("corrupted: ") + e.what());
  }
}

}  // namespace

void Gate::save(const std::filesystem::path& path) const {
  detail::ByteWriter w;
  write_gate(w, *this);
  detail::write_framed(path, kGateMagic, kVersion, w.data());
}

Gate Gate::load(const std::filesystem::path& path) {
  const std::string payload = detail::read_framed(path, kGateMagic, kVersion, "gate");
  detail::ByteReader r(payload, path.string());
  Gate gate = read_gate(r).first;
  r.expect_end();
  return gate;
}

void save_checkpoint(const std::filesystem::path& path, const Gate& gate, const Adam& adam,
                     std::string_view extra) {
  detail::check_same_shapes(adam.m(), gate.params(), "checkpoint: optimizer state");
  detail::ByteWriter w;
  write_gate(w, gate);
  const AdamConfig& c = adam.config();
  for (double v : {c.lr, c.beta1, c.beta2, c.eps, c.weight_decay}) w.f64(v);
  w.u64(static_cast<uint64_t>(adam.steps()));
  write_params(w, adam.m());
  write_params(w, adam.v());
  w.u64(extra.size());
  w.bytes(extra);
  detail::write_framed(path, kCheckpointMagic, kVersion, w.data());
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string payload = detail::read_framed(path, kCheckpointMagic, kVersion, "checkpoint");
  detail::ByteReader r(payload, path.string());
  auto [gate, dims] = read_gate(r);
  AdamConfig c;
  for (double* v : {&c.lr, &c.beta1, &c.beta2, &c.eps, &c.weight_decay}) *v = r.f64();
  const uint64_t steps = r.u64();
  if (steps > uint64_t(std::numeric_limits<int64_t>::max())) r.fail("corrupted: step count out of range");
  Params m = read_params(r, dims);
  Params v = read_params(r, dims);
  const uint64_t n_extra = r.u64();
  r.need(n_extra, "the trainer state");
  std::string extra = r.bytes(static_cast<size_t>(n_extra));
  r.expect_end();
  try {
    return Checkpoint{std::move(gate), Adam(c, std::move(m), std::move(v), static_cast<int64_t>(steps)),
                      std::move(extra)};
  } catch (const Error& e) {
    r.fail(std::string("corrupted: ") + e.what());
  }
}

}  // namespace mop::method
