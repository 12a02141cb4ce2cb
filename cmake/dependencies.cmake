# Debian packages (installed by scripts/setup.sh), gathered into one interface target.
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(simdjson REQUIRED)
find_package(faiss REQUIRED)
find_package(BLAS REQUIRED)
find_package(LAPACK REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
# libfasttext-dev ships no CMake package: find its header and library directly.
find_path(FASTTEXT_INCLUDE_DIR fasttext/fasttext.h REQUIRED)
find_library(FASTTEXT_LIBRARY fasttext REQUIRED)

add_library(mop_deps INTERFACE)
target_link_libraries(mop_deps INTERFACE Threads::Threads OpenMP::OpenMP_CXX Eigen3::Eigen
                      nlohmann_json::nlohmann_json CLI11::CLI11 fmt::fmt spdlog::spdlog
                      simdjson::simdjson SQLite::SQLite3 yaml-cpp faiss ${FASTTEXT_LIBRARY}
                      ${LAPACK_LIBRARIES} ${BLAS_LIBRARIES})
target_include_directories(mop_deps SYSTEM INTERFACE ${FASTTEXT_INCLUDE_DIR})
