# MOP_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer for mop's own code (libmop, the CLI,
# the tests). llama.cpp/ggml are left uninstrumented to keep the build short; their bugs are out of
# scope and the ASan runtime still catches mop's misuse of memory it hands out.
# -fno-sanitize-recover=undefined makes any UB report fatal so the test fails. mop's own code is
# compiled -O1 -g1 (line tables only): instrumented -O3 -g took 5x a normal compile of the same
# file, -O1 -g1 1.7x (trainer.cpp: 68 s vs 24 s, 14 s uninstrumented), and reports still carry
# file:line. The build type stays Release, so llama.cpp runs the model tests at full speed.
set(MOP_SANITIZE_FLAGS -O1 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(mop_sanitize target)
  if(MOP_SANITIZE)
    target_compile_options(${target} PRIVATE ${MOP_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# GCC 12 with -fsanitize=address warns (-Wmaybe-uninitialized) inside libstdc++'s <regex>, which
# run_dir.cpp uses: a false positive in the library header, not in mop's code.
if(MOP_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/src/method/run_dir.cpp PROPERTIES
                              COMPILE_OPTIONS -Wno-maybe-uninitialized)
endif()
