import logging


def main(warmupContext) -> None:
    logging.info('Function App instance is warm')
