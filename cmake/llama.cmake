# llama.cpp, built from the pinned source that scripts/fetch_llama.sh puts in third_party/llama.cpp,
# as static libraries linked into libmop. Tools (llama-batched-bench, llama-server) are configured
# but only built when asked for by name.
set(MOP_LLAMA_DIR ${PROJECT_SOURCE_DIR}/third_party/llama.cpp CACHE PATH "llama.cpp source")
if(NOT EXISTS ${MOP_LLAMA_DIR}/CMakeLists.txt)
  message(FATAL_ERROR "llama.cpp source not found in ${MOP_LLAMA_DIR}: run scripts/setup.sh (or scripts/fetch_llama.sh)")
endif()

set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_COMMON ON CACHE BOOL "" FORCE)      # chat templates (jinja) and hub downloads
set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TOOLS ON CACHE BOOL "" FORCE)       # targets exist; built on demand only
set(LLAMA_BUILD_SERVER ON CACHE BOOL "" FORCE)
set(LLAMA_BUILD_APP OFF CACHE BOOL "" FORCE)
set(LLAMA_USE_PREBUILT_UI OFF CACHE BOOL "" FORCE)  # its default downloads a web UI
set(LLAMA_BUILD_HTML OFF CACHE BOOL "" FORCE)
set(LLAMA_OPENSSL ON CACHE BOOL "" FORCE)           # HTTPS for hf: model downloads
set(LLAMA_ALL_WARNINGS OFF CACHE BOOL "" FORCE)
set(GGML_NATIVE ${MOP_NATIVE} CACHE BOOL "" FORCE)
set(GGML_CUDA ${MOP_CUDA} CACHE BOOL "" FORCE)
set(GGML_OPENMP ON CACHE BOOL "" FORCE)

add_subdirectory(${MOP_LLAMA_DIR} ${CMAKE_BINARY_DIR}/llama.cpp EXCLUDE_FROM_ALL SYSTEM)
