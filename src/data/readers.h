#pragma once
// The format readers behind load(). Each takes the whole input and feeds rows to a RecordSink.
#include <filesystem>
#include <string>
#include <string_view>

#include "data/record_sink.h"

namespace mop::data::detail {

void read_jsonl(std::string_view content, RecordSink& sink);
void read_delimited(std::string_view content, char delimiter, RecordSink& sink);
void read_txt_dir(const std::filesystem::path& dir, RecordSink& sink);

// The whole file, with a leading UTF-8 byte-order mark removed. Throws mop::Error naming it.
std::string read_file(const std::filesystem::path& path);

}  // namespace mop::data::detail
