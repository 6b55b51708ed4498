#include "common/shell_words.h"

namespace shoal {

Result<std::vector<std::string>> split_words(const std::string& what, const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return make_error(what + ": unterminated quote in '" + text + "'");
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<std::string> join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    const bool plain = !w.empty() && w.find_first_of(" \t\n'\"") == std::string::npos;
    if (plain) {
      out += w;
    } else if (w.find('\'') == std::string::npos) {
      out += "'" + w + "'";
    } else if (w.find('"') == std::string::npos) {
      out += "\"" + w + "\"";
    } else {
      return make_error("'" + w + "' holds both kinds of quote; give it as a list item of its own");
    }
  }
  return out;
}

}  // namespace shoal
