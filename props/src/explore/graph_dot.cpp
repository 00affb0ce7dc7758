// The explored state graph as graphviz DOT, through Boost.Graph's write_graphviz.
#include "trimcheck/props/explore.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>

#include <sstream>

namespace trimcheck::props {

namespace {

struct VertexProps {
  std::string label;
  std::string color;
};
struct EdgeProps {
  std::string label;
};
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexProps, EdgeProps>;

} // namespace

std::string state_graph_dot(const StateGraph &graph) {
  Graph g(graph.vertices.size());
  for (std::size_t i = 0; i < graph.vertices.size(); ++i) {
    const StateGraph::Vertex &vertex = graph.vertices[i];
    std::string label = vertex.label + " d" + std::to_string(vertex.depth);
    for (const std::string &property : vertex.violated)
      label += "\\n" + property + " violated";
    g[i] = {label, vertex.violated.empty() ? "black" : "red"};
  }
  for (const StateGraph::Edge &edge : graph.edges)
    boost::add_edge(edge.from, edge.to, EdgeProps{edge.label}, g);
  std::ostringstream out;
  boost::dynamic_properties properties;
  properties.property("node_id", boost::get(boost::vertex_index, g));
  properties.property("label", boost::get(&VertexProps::label, g));
  properties.property("color", boost::get(&VertexProps::color, g));
  properties.property("label", boost::get(&EdgeProps::label, g));
  boost::write_graphviz_dp(out, g, properties);
  return out.str();
}

} // namespace trimcheck::props
