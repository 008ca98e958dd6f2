from fastapi import FastAPI

api = FastAPI(title="Sales API")
