// Aligned-column tables for the CLI's human output.
#pragma once

#include <string>
#include <vector>

namespace shoal {

// Rows of cells, the header first; columns padded to their widest cell, two spaces apart.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace shoal
