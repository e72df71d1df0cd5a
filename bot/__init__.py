"""Liquidation-heatmap trading bot for Binance USDⓈ-M futures, built on ccxt."""

__version__ = "0.1.0"
