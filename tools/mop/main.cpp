// mop: Mixture-of-Personas population simulation. Exit status: 0 success, 1 user error, 2 internal error.
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.h"
#include "mop/lm_llama.h"
#include "mop/error.h"
#include "mop/util/progress.h"

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) the kernel would kill mop with SIGXFSZ mid-write; ignored,
  // the write fails with EFBIG and mop reports the file like any other full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"mop " MOP_VERSION ": simulate a population with a language model (Mixture of Personas)"};
  app.require_subcommand(1);
  // The CPU line says which instruction sets this binary's llama.cpp was built for.
  app.set_version_flag("--version", [] { return "mop " MOP_VERSION "\n" + mop::lm::cpu_backend_description(); });
  // Progress of long steps: flags of mop itself, also accepted after the subcommand.
  app.fallthrough();
  app.add_option_function<std::string>(
      "--progress", [](const std::string& v) { mop::util::set_progress_mode(mop::util::parse_progress_mode(v), mop::util::progress_interval()); },
      "auto (a bar on a terminal, plain lines in logs; the default) | bar | lines | none (or MOP_PROGRESS)");
  app.add_option_function<double>(
      "--progress-interval", [](double s) { mop::util::set_progress_mode(mop::util::progress_mode(), s); },
      "seconds between progress lines (default 30, or MOP_PROGRESS_INTERVAL)");
  mop::cli::register_lm(app);
  mop::cli::register_embed(app);
  mop::cli::register_personas(app);
  mop::cli::register_fit(app);
  mop::cli::register_simulate(app);
  mop::cli::register_eval(app);
  mop::cli::register_baseline(app);
  mop::cli::register_experiment(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code != 0) {
      // Show the usage of the command the user got as far as.
      CLI::App* cmd = &app;
      while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
      std::fputs(cmd->help().c_str(), stderr);
    }
    return code == 0 ? 0 : 1;
  } catch (const mop::Error& e) {
    std::fprintf(stderr, "mop: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mop: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
