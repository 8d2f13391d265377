// Builds the demo host pages around the wasm-pack output in pkg/.
// Production mode only: development builds use eval, which the pages' CSP forbids.
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const CopyWebpackPlugin = require("copy-webpack-plugin");

module.exports = () => ({
  entry: { reception: "./www/reception.js", kiosk: "./www/kiosk.js" },
  output: {
    path: path.resolve(__dirname, "dist"),
    filename: "[name].[contenthash].js",
    webassemblyModuleFilename: "[hash].module.wasm",
    clean: true,
  },
  experiments: { asyncWebAssembly: true },
  devtool: false,
  plugins: [
    new HtmlWebpackPlugin({
      template: "www/index.html",
      filename: "index.html",
      chunks: ["reception"],
    }),
    new HtmlWebpackPlugin({
      template: "www/kiosk.html",
      filename: "kiosk.html",
      chunks: ["kiosk"],
    }),
    new CopyWebpackPlugin({
      patterns: [
        { from: "www/onshi.css", to: "onshi.css" },
        { from: "www/demo.css", to: "demo.css" },
      ],
    }),
  ],
  performance: { hints: false },
});
