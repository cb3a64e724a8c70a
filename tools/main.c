/* anyinfer CLI entry: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_run(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_perplexity(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_convert_vocab(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_template(int, char **);
int cmd_synth(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_transcribe(int argc, char **argv);

const struct cli_command cli_commands[] = {
    {"run", "complete a prompt, streaming to stdout", cmd_run},
    {"chat", "interactive chat with the model's template", cmd_chat},
    {"info", "architecture, metadata and tensors of a GGUF file", cmd_info},
    {"bench", "prompt-processing and generation speed", cmd_bench},
    {"perplexity", "perplexity of a text file (llama.cpp's definition)", cmd_perplexity},
    {"convert", "Hugging Face model folder -> GGUF", cmd_convert},
    {"convert-vocab", "tokenizer.json -> vocab-only GGUF", cmd_convert_vocab},
    {"tokenize", "text -> token ids (or --decode ids -> text)", cmd_tokenize},
    {"template", "render messages with the chat template", cmd_template},
    {"synth", "write a random-weight GGUF of a real model's layout", cmd_synth},
    {"quantize", "rewrite a GGUF's weights in another type", cmd_quantize},
    {"serve", "OpenAI-compatible HTTP server", cmd_serve},
    {"transcribe", "speech to text with a Whisper model", cmd_transcribe},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
  fprintf(out, "usage: anyinfer <command> [options]\n\ncommands:\n");
  for (const struct cli_command *c = cli_commands; c->name; c++)
    fprintf(out, "  %-10s %s\n", c->name, c->summary);
  fprintf(out, "\n'anyinfer <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
  fprintf(stderr, "anyinfer: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
