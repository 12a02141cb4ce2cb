# llama.cpp, built from the pinned source that scripts/fetch_llama.sh puts in third_party/llama.cpp,
# as static libraries linked into libmop. Tools (llama-batched-bench, llama-server) are configured
# but only built when asked for by name.
set(MOP_LLAMA_DIR ${PROJECT_SOURCE_DIR}/third_party/llama.cpp CACHE PATH "llama.cpp source")
if(NOT EXISTS ${MOP_LLAMA_DIR}/CMakeLists.txt)
  message(FATAL_ERROR "llama.cpp source not found in ${MOP_LLAMA_DIR}: run scripts/setup.sh (or scripts/fetch_llama.sh)")
endif()
# The invariant kernels need mop's patch (scripts/patches/llama.cpp-sgemm-one-column.patch): without
# it a lone token's logits would depend on its batch, so an unpatched source is refused.
file(READ ${MOP_LLAMA_DIR}/ggml/src/ggml-cpu/llamafile/sgemm.cpp mop_sgemm_source)
string(FIND "${mop_sgemm_source}" "if (n < 2 && !params->use_ref)" mop_sgemm_patched)
if(mop_sgemm_patched EQUAL -1)
  message(FATAL_ERROR "${MOP_LLAMA_DIR} lacks mop's patch to llamafile's sgemm: run scripts/fetch_llama.sh")
endif()

# MOP_CPU: which CPU code llama.cpp is built with.
#   portable (default): llama.cpp and ggml as shared libraries, with one CPU backend module per x86
#     instruction set (ggml's GGML_CPU_ALL_VARIANTS: x64, sse42, sandybridge, haswell, skylakex,
#     icelake, zen4, sapphirerapids, ...); mop loads the best one the CPU runs at start-up, so one
#     binary runs on any x86-64 CPU. MOP_CPU_VARIANT=NAME forces one (src/lm/cpu_kernels.cpp).
#   native: static, -march=native (fastest here, may die with SIGILL on an older CPU).
#   avx2 / avx / sse42: static, for that instruction set (scripts/test_cpu_variant.sh).
set(MOP_CPU portable CACHE STRING "CPU code of llama.cpp: portable, native, avx2, avx or sse42")
set_property(CACHE MOP_CPU PROPERTY STRINGS portable native avx2 avx sse42)
if(DEFINED MOP_NATIVE)  # the option this replaced
  message(WARNING "MOP_NATIVE is replaced by MOP_CPU (portable, native, avx2, avx, sse42)")
endif()
set(MOP_LLAMA_SHARED OFF)
set(GGML_NATIVE OFF CACHE BOOL "" FORCE)
foreach(feat AVX AVX2 FMA F16C BMI2 AVX512 AVX512_VBMI AVX512_VNNI AVX512_BF16 AVX_VNNI AMX_TILE AMX_INT8)
  set(GGML_${feat} OFF CACHE BOOL "" FORCE)
endforeach()
if(MOP_CPU STREQUAL "portable")
  set(MOP_LLAMA_SHARED ON)
  set(GGML_BACKEND_DL ON CACHE BOOL "" FORCE)
  set(GGML_CPU_ALL_VARIANTS ON CACHE BOOL "" FORCE)
  # Where ggml and mop look for the backend modules first (then beside the executable).
  set(GGML_BACKEND_DIR ${CMAKE_BINARY_DIR}/bin CACHE PATH "" FORCE)
elseif(MOP_CPU STREQUAL "native")
  set(GGML_NATIVE ON CACHE BOOL "" FORCE)
elseif(MOP_CPU STREQUAL "avx2")
  foreach(feat AVX AVX2 FMA F16C BMI2)
    set(GGML_${feat} ON CACHE BOOL "" FORCE)
  endforeach()
elseif(MOP_CPU STREQUAL "avx")
  set(GGML_AVX ON CACHE BOOL "" FORCE)
elseif(NOT MOP_CPU STREQUAL "sse42")
  message(FATAL_ERROR "MOP_CPU must be portable, native, avx2, avx or sse42, not '${MOP_CPU}'")
endif()
if(NOT MOP_CPU STREQUAL "portable")
  set(GGML_BACKEND_DL OFF CACHE BOOL "" FORCE)
  set(GGML_CPU_ALL_VARIANTS OFF CACHE BOOL "" FORCE)
  set(GGML_BACKEND_DIR "" CACHE PATH "" FORCE)
endif()
set(BUILD_SHARED_LIBS ${MOP_LLAMA_SHARED} CACHE BOOL "" FORCE)
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
set(GGML_CUDA ${MOP_CUDA} CACHE BOOL "" FORCE)
set(GGML_OPENMP ON CACHE BOOL "" FORCE)

add_subdirectory(${MOP_LLAMA_DIR} ${CMAKE_BINARY_DIR}/llama.cpp EXCLUDE_FROM_ALL SYSTEM)
